// Command kitbench is the workbench for services built with kit: it finds
// them through a registry (Consul, or its own dev registry), shows what they
// are doing, calls their endpoints, and records and replays sessions.
//
// This package is wiring only: main.go reads the environment and signals,
// root.go builds the command tree (newRootCmd, so tests run it in-process),
// and each subcommand lives in a file of its own, its long help and
// examples in help/NAME.txt and help/NAME.examples.txt (help.go). Logic —
// exit statuses, what -o json and the tables show, which registry the
// environment names — belongs in internal/workbench and the packages it
// calls, where it is tested.
//
// Errors print as "kitbench: <message>" on stderr and exit 1 unless the
// error carries its own code (see exitCoder).
package main
