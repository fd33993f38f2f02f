package authz

import data.internal_tools.tooling

default allow = false

deploy_verbs := {"create", "rollback", "promote"}

allow {
	tooling.read_request
}

allow {
	tooling.tool(input.operation) == "deploy"
	deploy_verbs[split(input.operation, ":")[2]]
}
