package call_test

import (
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

func defaultKeys() keys.Map { return keys.Default() }

func plainStyles() styles.Styles { return styles.New(colorprofile.NoTTY) }
