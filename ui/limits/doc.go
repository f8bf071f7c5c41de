// Package limits is the workbench's rate-limit view: one row per token
// bucket per instance with its rate, burst, tokens available now, calls
// allowed and rejected since it started, and a sparkline of rejections
// per second, so a burst that hits the limiter shows as a spike. Limiters
// rejecting right now come first; 's' sorts by name, then rejections.
//
// # Data
//
// The view takes broadcast hub messages (hub.Snapshot, LimiterUpdate,
// InstanceGone) and ui.TickMsg; it samples each limiter's rejection count
// once a second (History samples kept) and rebuilds its rows on a tick.
package limits
