package workbench

import "testing"

func TestPrettyJSONKeepsNumbersOrderAndCharacters(t *testing.T) {
	in := `{"zeta":9007199254740993,"alpha":[1.50,-0e0,{"b":"<a href=\"x\">&amp;</a>","a":"é \u2028"}],"empty":{}}`
	want := `{
  "zeta": 9007199254740993,
  "alpha": [
    1.50,
    -0e0,
    {
      "b": "<a href=\"x\">&amp;</a>",
      "a": "é \u2028"
    }
  ],
  "empty": {}
}`
	if got := PrettyJSON([]byte(in)); got != want {
		t.Errorf("PrettyJSON =\n%s\nwant\n%s", got, want)
	}
	for _, notJSON := range []string{"not json", `{"a":`, ""} {
		if got := PrettyJSON([]byte(notJSON)); got != notJSON {
			t.Errorf("PrettyJSON(%q) = %q, want it unchanged", notJSON, got)
		}
	}
}
