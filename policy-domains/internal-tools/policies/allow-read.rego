package authz

import data.platform.operations

default allow = false

allow {
	operations.service(input.operation) == "tools"
	operations.is_read(input.operation)
}
