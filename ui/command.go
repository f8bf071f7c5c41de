package ui

// CommandMsg carries the words typed after a view's name in command mode:
// ":trace 4bf92f35" focuses the traces tab and gives its view Args
// "4bf92f35" (a unique prefix of the tab's name is enough, as for ":" alone).
// The root delivers it to the tab's own view, the bottom of its stack; what
// the words mean is the view's business, and a view that takes none ignores
// them.
type CommandMsg struct{ Args string }
