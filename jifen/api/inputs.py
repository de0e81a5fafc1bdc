"""Integer types for the API's inputs, bounded within a 64-bit column so that no number out of
the database's range gets past a schema.

In a JSON body an integer must be a JSON integer (`Int`): `true`, `"5"` and `5.0` are refused
where pydantic would read 1, 5 and 5. Narrow it as `Annotated[Int, Field(le=…)]`; a default
`= Field(le=…)` beside an Annotated type is not applied by pydantic. Query and path parameters
arrive as text and are read from text (`QueryInt`, `Id`). Every input schema derives from
`InputSchema`."""

from typing import Annotated, Any

from ninja import Schema
from pydantic import Field, Strict, model_validator

from jifen.lib.storable import BIGINT_MAX, BIGINT_MIN

Int = Annotated[int, Strict(), Field(ge=BIGINT_MIN, le=BIGINT_MAX)]
QueryInt = Annotated[int, Field(ge=BIGINT_MIN, le=BIGINT_MAX)]
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]  # a row's id, in a path or a query
IdIn = Annotated[Int, Field(ge=1)]  # a row's id, in a body


class InputSchema(Schema):
    """The base of every schema the API reads. ninja's Schema reads its fields from any object
    (for its ORM use), so a JSON body of `"x"` or `[]` would pass as an object with every field
    missing: for a schema whose fields are all optional, a valid empty request."""

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_anything_but_an_object(cls, value: Any, handler: Any) -> Any:
        if not isinstance(value, dict | cls):
            raise ValueError("must be a JSON object")
        return handler(value)
