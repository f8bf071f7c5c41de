//go:build race

package demo

// raceEnabled: the race detector slows the simulations about tenfold, so
// they run fewer cycles under it (the same first seeds: the share they
// measure is their own, deterministic).
const raceEnabled = true
