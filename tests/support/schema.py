"""JSON output checked against its JSON Schema (the jsonschema package, the schema's own draft)."""

from __future__ import annotations

from .availability import require

MAX_REPORTED = 20


def json_validate(instance: object, schema: dict) -> None:
    """Raise AssertionError naming every place where ``instance`` breaks ``schema`` (and when the schema is invalid)."""
    require("jsonschema", "jsonschema validates the JSON output")
    import jsonschema

    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise AssertionError(f"the schema itself is invalid: {error.message}") from None
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda error: list(error.absolute_path))
    if errors:
        lines = [f"  at {error.json_path}: {error.message}" for error in errors[:MAX_REPORTED]]
        more = len(errors) - MAX_REPORTED
        if more > 0:
            lines.append(f"  ... and {more} more")
        raise AssertionError(f"JSON breaks its schema in {len(errors)} place(s):\n" + "\n".join(lines))
