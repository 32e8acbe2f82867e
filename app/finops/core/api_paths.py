"""Where the REST API lives, for every layer that names its routes (the API itself, answers
that cite the request reproducing them)."""

API_PREFIX = "/api/v1"
