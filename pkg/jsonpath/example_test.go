package jsonpath_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

func ExamplePath_Match() {
	var event any
	_ = json.Unmarshal([]byte(`{
		"identity": {"name": "john.doe"},
		"changes": [{"attribute": "department", "oldValue": "Sales", "newValue": "US Customer Support"}]
	}`), &event)

	filter := jsonpath.MustCompile(`$.changes[?(@.attribute == "department" && @.newValue =~ /US.*Support/i)]`)
	matched, err := filter.Match(context.Background(), event)
	fmt.Println(matched, err)
	// Output: true <nil>
}

func ExamplePath_Select() {
	var event any
	_ = json.Unmarshal([]byte(`{"changes": [{"attribute": "department"}, {"attribute": "manager"}]}`), &event)

	nodes, err := jsonpath.MustCompile(`$.changes[*].attribute`).Select(context.Background(), event)
	fmt.Println(nodes, err)
	// Output: [department manager] <nil>
}

func ExampleValidate() {
	input := map[string]any{"identityId": "201327fda1c44704ac01181e963d463c"}
	res := jsonpath.Validate(context.Background(), `$[?($.identityId == "201327fda1c44704ac01181e963d463c")]`, input)
	out, _ := json.Marshal(res)
	fmt.Println(string(out))

	res = jsonpath.Validate(context.Background(), `$[?($.identityId = "x")]`, input)
	fmt.Println(res.IsValidJSONPath, res.Err)
	// Output:
	// {"isValid":true,"isValidJSONPath":true,"isPathExist":true}
	// false jsonpath: syntax error at offset 17: unexpected '='; use '==' to compare
}
