package workbench

// StartAFleet is what to do when no fleet can be found: the one hint that
// `kitbench list`, `kitbench call` and the dashboard's empty screen give.
const StartAFleet = "start one with 'kitbench registry' or 'kitbench demo', or set CONSUL_HTTP_ADDR, or pass --consul ADDR or --target HOST:PORT"
