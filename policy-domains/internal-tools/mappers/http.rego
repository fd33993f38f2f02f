package mapper

# Internal tools sit behind the SSO proxy, which forwards the verified JWT claims as
# JSON in x-sso-claims and the request as method + path (/<tool>/<target>[/<verb>]).
request := input.request

segments := split(trim(request.path, "/"), "/")

method_verbs := {"GET": "read", "POST": "create", "PUT": "update", "DELETE": "delete"}

default claims = {}

claims = c {
	c := json.unmarshal(request.headers["x-sso-claims"])
}

verb = v {
	v := segments[2]
} else = v {
	v := method_verbs[request.method]
}

porc := {
	"principal": claims,
	"operation": sprintf("tools:%s:%s", [segments[0], verb]),
	"resource": sprintf("mrn:tools:%s:%s", [segments[0], segments[1]]),
	"context": {
		"change_request": object.get(request.headers, "x-change-request", ""),
		"incident": object.get(request.headers, "x-incident", ""),
	},
}
