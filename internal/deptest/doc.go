// Package deptest holds the test that keeps the module's layers apart, as
// docs/architecture.md draws them: kit/ is the library services import and knows
// nothing of the workbench (no probes/, ui/, recorder/, cmd/ or examples/,
// and no "testing" outside tests); probes/ knows nothing of ui/; recorder/
// knows nothing of probes/ or ui/.
package deptest
