"""Errors of the ingestion capability; all are user errors (exit code 1, HTTP 4xx)."""

from __future__ import annotations

from finops.core.errors import InvalidInputError


class IngestionError(InvalidInputError):
    """A billing file or delivery cannot be ingested; the message names the file."""

    code = "ingestion_error"


class UnknownFormatError(IngestionError):
    """The file is not a supported billing export, or lacks that format's required columns."""

    code = "unknown_format"


class MalformedFileError(IngestionError):
    """The file is of a known format but broken: truncated, bad encoding, unparseable value."""

    code = "malformed_file"


class ManifestError(IngestionError):
    """A CUR / Data Exports manifest is unreadable or names files that are not there."""

    code = "bad_manifest"
