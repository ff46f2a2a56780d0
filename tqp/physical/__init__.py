"""Physical operators, one module each, registered with tqp.compile.lower's `_lower`."""
