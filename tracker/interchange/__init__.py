"""The Tracker Dataset interchange format: validate, import and export a whole dataset.

Import is all or nothing: the whole document is validated first (``validate``), then written,
upserting by slug (``importer``); ``export`` writes the document back in a stable order, so that
export(import(file)) gives the same data. ``document`` holds what they share, ``notices`` what
an import warns about without refusing, ``rows`` how the importer writes records in bulk,
``stream`` how a file of any size is validated and imported a batch at a time (the CLI's
``tracker import``). The JSON Schema is ``schema/tracker-dataset.schema.json``
(docs/domain.md, README).

The public functions are named here, so that callers (the CLI, the record checks, the
downloads) depend on the package and not on how it is cut.
"""

from tracker.interchange.document import (
    FORMAT,
    VERSION,
    ImportReport,
    InvalidDataset,
    Problem,
    Progress,
    load_json,
)
from tracker.interchange.export import (
    SECTIONS,
    event_dict,
    export_chunks,
    export_dataset,
    iter_export,
    measure_dict,
    statement_dict,
    write_export,
)
from tracker.interchange.importer import import_dataset
from tracker.interchange.notices import dataset_warnings, find_look_alikes, look_alike_lines
from tracker.interchange.stream import FileCheck, import_file, validate_file
from tracker.interchange.validate import (
    dataset_schema,
    outside_references,
    record_problems,
    validate_dataset,
)

__all__ = [
    "FORMAT",
    "SECTIONS",
    "VERSION",
    "FileCheck",
    "ImportReport",
    "InvalidDataset",
    "Problem",
    "Progress",
    "dataset_schema",
    "dataset_warnings",
    "event_dict",
    "export_chunks",
    "export_dataset",
    "find_look_alikes",
    "import_dataset",
    "import_file",
    "iter_export",
    "load_json",
    "look_alike_lines",
    "measure_dict",
    "outside_references",
    "record_problems",
    "statement_dict",
    "validate_dataset",
    "validate_file",
    "write_export",
]
