"""Read transaction files (xlsx, csv, whitespace text, parquet) into the canonical schema.

This is the I/O edge: it opens files and turns their failures into plain messages;
`normalise` does the mapping and validation.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from segmentation.common.catalog import user_path
from segmentation.common.errors import UserError
from segmentation.data import olist
from segmentation.data.normalise import check_columns, normalise
from segmentation.data.schema import OPTIONAL

FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xlsx", ".csv": "csv", ".txt": "txt", ".dat": "txt",
           ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}
PARQUET_BATCH_ROWS = 2_000_000


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt == "table":
        raise UserError("data.format=table reads a catalog table, which only Spark does. Fix: add engine=spark "
                        "(data.path: the table's name), or export the table to parquet.")
    if fmt and fmt != "auto":
        if fmt not in {*FORMATS.values(), "olist"}:
            raise UserError(f"data.format='{fmt}' is not supported. Fix: use one of auto, xlsx, csv, txt, parquet, "
                            "olist.")
        return fmt
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise UserError(
            f"{path.name}: cannot tell the format from the extension '{path.suffix}'. "
            "Fix: set data.format to xlsx, csv, txt or parquet."
        ) from None


def open_source(data: Mapping) -> tuple[Path, str]:
    """Check the configured file exists and is not empty; return it with its format."""
    if not data.get("path"):
        raise UserError("data.path is not set. Fix: point it at your transactions file.")
    if data.get("format") == "table":
        detect_format(Path(str(data["path"])), "table")  # one line: tables are read on Spark only
    path = user_path(data["path"])
    if data.get("format") == "olist":  # a folder of the export's tables
        return olist.check_folder(path), "olist"
    if not path.is_file():
        raise UserError(
            f"data file not found: {path}. Fix: put the file there or set data.path "
            f"(e.g. `dvc exp run -S data.path=data/my_file.csv`)."
        )
    if path.stat().st_size == 0:
        raise UserError(f"{path.name} is empty (0 bytes). Fix: point data.path at a file with transactions.")
    return path, detect_format(path, data.get("format"))


def mapped_columns(data: Mapping) -> set[str]:
    """The optional canonical columns the configured source fills (the others are empty or
    derived: one order per customer per day, quantity 1)."""
    if data.get("format") == "olist":
        return olist.supplied_columns(data)
    columns = data.get("columns") or {}
    return {key for key in OPTIONAL if columns.get(key)}


def iter_transactions(data: Mapping) -> Iterator[pd.DataFrame]:
    """Yield the configured source as canonical frames; parquet streams in row batches."""
    path, fmt = open_source(data)
    if fmt == "olist":
        yield olist.read_olist(data)
        return
    columns = dict(data["columns"])
    if fmt == "parquet":
        try:
            parquet = pq.ParquetFile(path)
        except Exception as err:  # pyarrow raises several types for a damaged file
            raise UserError(f"{path.name} is not a readable parquet file ({err}). Fix: re-export it.") from None
        check_columns(parquet.schema_arrow.names, columns, path.name)
        if parquet.metadata.num_rows == 0:
            raise UserError(f"{path.name} has a header but no data rows. Fix: point data.path at a file with transactions.")
        wanted = sorted({name for name in columns.values() if name})
        first_row = 1
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=wanted):
            frame = batch.to_pandas()
            yield normalise(frame, columns, data.get("date_format"), path.name, first_row)
            first_row += len(frame)
        return
    raw = read_table(path, fmt, data.get("sheets"), data.get("encoding"), data.get("delimiter"),
                     data.get("header_names"))
    yield normalise(raw, columns, data.get("date_format"), path.name)


def read_table(path: Path, fmt: str, sheets=None, encoding=None, delimiter=None, header_names=None) -> pd.DataFrame:
    """Read a whole xlsx/csv/txt file as a raw frame (text files as strings); parquet is streamed
    by `iter_transactions` instead. `header_names`: the columns of a text file without a header
    line (e.g. the CDNOW file: id, date, quantity, amount)."""
    if fmt == "xlsx":
        return _read_xlsx(path, sheets)
    text_encoding = encoding or _detect_encoding(path)
    if fmt == "txt":
        options = {"sep": r"\s+"}
    else:
        options = {"sep": delimiter or _sniff_delimiter(path, text_encoding)}
    if header_names:
        names = [str(name) for name in header_names]
        check_duplicate_header(names, "data.header_names")
        options.update(header=None, names=names, index_col=False)
    else:
        check_duplicate_header(_header(path, text_encoding, options["sep"]), path.name)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=True, encoding=text_encoding, **options)
    except pd.errors.EmptyDataError:
        raise UserError(f"{path.name} has no header and no rows. Fix: point data.path at a file with transactions.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise UserError(f"{path.name} could not be parsed as {fmt} ({str(err).strip()}). Fix: check the delimiter "
                        "(data.delimiter) and encoding (data.encoding).") from None


def check_duplicate_header(header: list[str], source: str) -> None:
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise UserError(f"{source}: the header repeats column(s) {duplicated}. Fix: give every column a distinct name.")


def _detect_encoding(path: Path) -> str:
    """UTF-8 when the file decodes as UTF-8, else Latin-1 (the UCI CSV exports)."""
    with path.open("rb") as handle:
        sample = handle.read(4_000_000)
    try:
        sample.decode("utf-8")
        return "utf-8-sig" if sample.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError as err:
        # a multi-byte character cut at the end of the sample is still UTF-8
        return "utf-8" if err.start >= len(sample) - 3 else "latin-1"


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(64_000)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def header_of(path: Path, data: Mapping) -> tuple[str, list[str]]:
    """(format, column names as written) of one file, reading only its header."""
    fmt = detect_format(path, data.get("format"))
    if fmt == "parquet":
        return fmt, list(pq.read_schema(path).names)
    if fmt == "xlsx":
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        sheet = (list(data.get("sheets") or []) or workbook.sheet_names[:1])[0]
        rows = workbook.get_sheet_by_name(sheet).to_python(nrows=1)
        return fmt, [str(cell) for cell in rows[0]] if rows else []
    if data.get("header_names"):
        return fmt, [str(name) for name in data["header_names"]]
    encoding = data.get("encoding") or _detect_encoding(path)
    sep = r"\s+" if fmt == "txt" else data.get("delimiter") or _sniff_delimiter(path, encoding)
    return fmt, _header(path, encoding, sep)


def _header(path: Path, encoding: str, sep: str) -> list[str]:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        first = handle.readline().strip()
    if not first:
        return []
    if sep == r"\s+":
        return first.split()
    return next(csv.reader([first], delimiter=sep))


def _read_xlsx(path: Path, sheets) -> pd.DataFrame:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as err:  # calamine raises its own error types for damaged files
        raise UserError(f"{path.name} is not a readable Excel file ({err}). Fix: re-download or re-export it.") from None
    available = workbook.sheet_names
    wanted = list(sheets) if sheets else available[:1]
    unknown = [name for name in wanted if name not in available]
    if unknown:
        raise UserError(
            f"{path.name}: sheet(s) {unknown} not found. Sheets in the file: {available}. "
            f"Fix: set data.sheets, e.g. `dvc exp run -S 'data.sheets=[{', '.join(available)}]'`."
        )
    # calamine parses a sheet without holding the GIL: one thread per sheet uses both cores
    with ThreadPoolExecutor(max_workers=min(len(wanted), os.cpu_count() or 1)) as pool:
        sheets = list(pool.map(partial(_read_sheet, str(path)), wanted))
    headers = [header for header, _ in sheets]
    for name, header in zip(wanted, headers):
        check_duplicate_header(header, f"{path.name} sheet '{name}'")
        if header != headers[0]:
            raise UserError(
                f"{path.name}: sheet '{name}' has columns {header}, unlike sheet '{wanted[0]}' {headers[0]}. "
                "Fix: give all sheets the same header or list only matching sheets in data.sheets."
            )
    return pd.concat([frame for _, frame in sheets], ignore_index=True)


# the strings pandas' readers (read_excel, read_csv) take as missing
NA_STRINGS = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
              "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]


def _read_sheet(path: str, name: str) -> tuple[list[str], pd.DataFrame]:
    """One sheet as (header as written, frame); empty cells and NA strings become missing, as in read_excel."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(path).get_sheet_by_name(name).to_python()
    if not rows:
        return [], pd.DataFrame()
    header = [str(cell) for cell in rows[0]]
    frame = pd.DataFrame(rows[1:], columns=range(len(header)))
    for column in frame.columns[[dtype.kind not in "fiumMb" for dtype in frame.dtypes]]:
        values = frame[column].astype(object)
        frame[column] = values.mask(values.isin(NA_STRINGS)).infer_objects()
    frame.columns = header
    return header, frame
