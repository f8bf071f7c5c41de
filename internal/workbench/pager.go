package workbench

import (
	"os"
	"os/exec"
	"strings"
)

// PagerCommand returns the command that shows text in the user's pager:
// $PAGER (split at spaces, so "less -R" works), else less. text is its
// standard input; the caller runs it with the terminal (tea.ExecProcess).
func PagerCommand(text string) *exec.Cmd {
	argv := strings.Fields(os.Getenv("PAGER"))
	if len(argv) == 0 {
		argv = []string{"less"}
	}
	c := exec.Command(argv[0], argv[1:]...)
	c.Stdin = strings.NewReader(text)
	return c
}
