package authz

default allow = false

# Long-lived CLI tokens may deploy and read, but never edit feature flags.
allow {
	not startswith(input.operation, "tools:flags:")
}

allow {
	input.operation == "tools:flags:read"
}
