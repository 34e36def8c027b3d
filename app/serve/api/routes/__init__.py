"""The API's routes, one module per area; each `build(api)` returns an APIRouter bound to one ApiContext."""
