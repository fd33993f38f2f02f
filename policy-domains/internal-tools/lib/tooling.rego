package internal_tools.tooling

import data.platform.helpers
import data.platform.operations

# The tool an operation targets: "tools:<tool>:<verb>".
tool(op) = t {
	t := split(op, ":")[1]
}

on_call {
	helpers.in_group("mrn:iam:internal-tools:group:on-call")
}

# Production changes need an approved change request...
change_approved {
	startswith(input.context.change_request, "CHG-")
}

# ...except when the on-call engineer is working an open incident.
emergency_change {
	on_call
	startswith(input.context.incident, "INC-")
}

production_change_allowed {
	change_approved
}

production_change_allowed {
	emergency_change
}

read_request {
	operations.is_read(input.operation)
}
