"""Reading otfuse sweep results (Parquet) into pandas, for the notebooks in this directory.

Debian's Python has no Parquet reader (no pyarrow, fastparquet, duckdb or polars), so the rows
are read by Spark itself, in a JVM started inside the notebook's kernel through JPype: a local
SparkSession (local[1], UI off) on the project's own runtime classpath (jobs' dependency
classpath, the one submit/otfuse-submit runs on), reading the exact files the jobs wrote, local
or s3a://. Rows come back as JSON strings (Dataset.toJSON) and become a pandas DataFrame.

The notebooks were written against result schema version SCHEMA_VERSION; :func:`load` checks the
files' schema_version and every column in :data:`REQUIRED_COLUMNS` (with its type), both in the
files and in the schema the jobs declare (org.otfuse.jobs.ResultTable), and raises
:class:`SchemaError` naming what is missing. That is what makes a schema change fail CI.

Environment (set by submit/otfuse-notebooks):
  OTFUSE_RESULTS        results root (a directory holding sweep_id=<id>/), or one sweep_id=<id>
                        directory; local path or s3a://bucket/prefix. Default: <repo>/results.
  OTFUSE_SWEEP          only this sweep id (default: every sweep under the root).
  OTFUSE_NOTEBOOK_OUT   where save_figure writes PNGs (default: the current directory).
  OTFUSE_HADOOP         extra Hadoop settings, one KEY=VALUE per line (e.g. fs.s3a.endpoint=...).
                        Credentials: the usual AWS environment variables or a credential provider.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
SCHEMA_VERSION = 2

# The columns the notebooks read, with the Spark SQL type name each must have.
REQUIRED_COLUMNS = {
    "schema_version": "int",
    "sweep_id": "string",
    "point_id": "string",
    "point_index": "int",
    "point_kind": "string",
    "method": "string",
    "status": "string",
    "error": "string",
    "model_id": "string",
    "model_ids": "array<string>",
    "dataset": "string",
    "arch": "string",
    "widths": "string",
    "group_size": "int",
    "target_model_id": "string",
    "mode": "string",
    "solver": "string",
    "reg": "double",
    "ensemble_step": "double",
    "finetune_epochs": "int",
    "width_factor": "double",
    "result_widths": "string",
    "accuracy": "double",
    "time_load_s": "double",
    "time_compute_s": "double",
    "time_eval_s": "double",
    "time_total_s": "double",
    "attempt": "int",
    "finished_at": "timestamp",
}

# Input features per dataset (for the MLP weight count of tables without the parameters column).
INPUTS = {"mnist": 784, "fashion-mnist": 784, "cifar10": 3072, "cifar100": 3072}
CLASSES = {"mnist": 10, "fashion-mnist": 10, "cifar10": 10, "cifar100": 100}

# Human-readable method names, in the order of the paper's tables.
METHOD_LABELS = {
    "parent": "parent models",
    "ensemble": "prediction ensemble",
    "vanilla": "vanilla average",
    "ot": "OT fusion",
    "ot_finetuned": "OT fusion + fine-tuning",
    "compress_ot": "OT compression",
    "compress_magnitude": "magnitude pruning",
    "compress_ot_finetuned": "OT compression + fine-tuning",
    "compress_magnitude_finetuned": "magnitude pruning + fine-tuning",
}


class SchemaError(RuntimeError):
    """The results do not have the schema the notebooks were written for."""


class NoResultsError(RuntimeError):
    """The results path holds no result rows."""


_spark = None


def _jvm_flags():
    """The JVM flags of submit/jvm-flags.sh (one source for every launcher)."""
    out = subprocess.run(
        ["bash", "-c", 'source "$1"; printf "%s\\n" "${OTFUSE_JVM_FLAGS[@]}"', "_",
         str(REPO / "submit" / "jvm-flags.sh")],
        check=True, capture_output=True, text=True).stdout
    # Reading Parquet needs no incubator module; leaving it out keeps the JVM's
    # "Using incubator modules" warning out of the notebooks' outputs.
    return [f for f in out.splitlines() if f and not f.startswith("--add-modules=jdk.incubator")]


def _classpath():
    """jobs' jar plus its compile (Spark is `provided`) and runtime classpaths, as submit/otfuse-submit."""
    target = REPO / "jobs" / "target"
    jars = sorted(target.glob("otfuse-jobs-*.jar"))
    jars = [j for j in jars if not j.name.endswith("-app.jar")]
    files = [target / "classpath-compile.txt", target / "classpath-runtime.txt"]
    if not jars or not all(f.exists() for f in files):
        raise RuntimeError(
            f"{target} has no jobs jar or classpath files; build them with "
            "`mvn -DskipTests -pl jobs -am package` (submit/otfuse-notebooks does this on first use)")
    seen, cp = set(), [str(jars[0])]
    for f in files:
        for entry in f.read_text().strip().split(":"):
            if entry and entry not in seen:
                seen.add(entry)
                cp.append(entry)
    return cp


def _jpype_support_jar():
    """JPype's own support jar. JPype 1.4 looks for it beside its native module, but Debian's
    python3-jpype installs it as /usr/share/java/org.jpype.jar; on the classpath it is found anyway."""
    import _jpype

    for jar in (Path(_jpype.__file__).parent / "org.jpype.jar", Path("/usr/share/java/org.jpype.jar")):
        if jar.exists():
            return [str(jar)]
    return []


def _hadoop_settings():
    settings = {}
    for line in os.environ.get("OTFUSE_HADOOP", "").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            if not sep:
                raise ValueError(f"OTFUSE_HADOOP line '{line}' is not KEY=VALUE")
            settings[key.strip()] = value.strip()
    return settings


def spark():
    """The notebook's local SparkSession (started once per kernel)."""
    global _spark
    if _spark is not None:
        return _spark
    import jpype

    cache = REPO / ".cache"
    (cache / "javacpp").mkdir(parents=True, exist_ok=True)
    (cache / "hadoop-tmp").mkdir(parents=True, exist_ok=True)
    log = cache / "notebooks-spark.log"
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    if not jpype.isJVMStarted():
        jpype.startJVM(
            jpype.getDefaultJVMPath(),
            "-Xmx1g",
            *_jvm_flags(),
            f"-Dorg.bytedeco.javacpp.cachedir={cache / 'javacpp'}",
            f"-Dlog4j2.configurationFile={Path(__file__).resolve().parent / 'log4j2.properties'}",
            f"-Dotfuse.notebook.log={log}",
            classpath=_classpath() + _jpype_support_jar(),
            convertStrings=True,
        )
    SparkSession = jpype.JClass("org.apache.spark.sql.SparkSession")
    b = (SparkSession.builder().master("local[1]").appName("otfuse notebook")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.shuffle.partitions", "1")
         .config("spark.driver.host", "127.0.0.1")
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.hadoop.hadoop.tmp.dir", str(cache / "hadoop-tmp"))
         .config("spark.hadoop.fs.s3a.buffer.dir", str(cache / "hadoop-tmp" / "s3a")))
    for key, value in _hadoop_settings().items():
        b = b.config("spark.hadoop." + key, value)
    _spark = b.getOrCreate()
    return _spark


def results_path():
    """The results root the notebooks read (OTFUSE_RESULTS, default <repo>/results)."""
    return os.environ.get("OTFUSE_RESULTS") or str(REPO / "results")


def _spark_type(field):
    return str(field.dataType().simpleString())


def check_schema(columns, where):
    """Raises SchemaError naming every required column missing from ``columns`` (name -> type) or of another type."""
    problems = []
    for name, typ in REQUIRED_COLUMNS.items():
        if name not in columns:
            problems.append(f"column '{name}' ({typ}) is missing")
        elif columns[name] != typ:
            problems.append(f"column '{name}' has type {columns[name]} but the notebooks expect {typ}")
    if problems:
        raise SchemaError(
            f"{where}: " + "; ".join(problems)
            + f". The notebooks read result schema v{SCHEMA_VERSION} "
            "(core/src/main/java/org/otfuse/core/sweep/ResultSchema.java); update notebooks/otfuse_results.py "
            "and the notebooks together with the schema.")


def load(path=None, sweep=None, quiet=False):
    """All result rows under ``path`` (default :func:`results_path`) as a pandas DataFrame.

    Checks the schema (see the module doc). Columns: every column of the files; ``accuracy`` in
    percent, ``finished_at`` as UTC timestamps, array columns as Python lists. ``sweep``
    (default OTFUSE_SWEEP) keeps one sweep id.
    """
    import jpype

    path = str(path or results_path())
    sweep = sweep if sweep is not None else (os.environ.get("OTFUSE_SWEEP") or None)
    s = spark()
    declared = jpype.JClass("org.otfuse.jobs.ResultTable").schema()
    check_schema({str(f.name()): _spark_type(f) for f in declared.fields()},
                 "the schema org.otfuse.jobs.ResultTable declares")

    reader = s.read().option("mergeSchema", "true")
    m = re.search(r"^(.*)/sweep_id=[^/]+/?$", path)
    if m:  # one sweep's directory: keep sweep_id as a column
        reader = reader.option("basePath", m.group(1))
    try:
        df = reader.parquet(path)
    except jpype.JException as e:
        msg = str(e)
        if "UNABLE_TO_INFER_SCHEMA" in msg or "PATH_NOT_FOUND" in msg or "Path does not exist" in msg:
            raise NoResultsError(
                f"no result rows under {path}: run a sweep first, e.g. "
                "`submit/otfuse-submit sweep conf/sweeps/quickstart.conf`") from None
        raise
    check_schema({str(f.name()): _spark_type(f) for f in df.schema().fields()}, f"the Parquet files under {path}")
    if sweep:
        df = df.filter(jpype.JClass("org.apache.spark.sql.functions").col("sweep_id").equalTo(sweep))
    names = [str(f.name()) for f in df.schema().fields()]
    rows = [json.loads(str(j)) for j in df.toJSON().collectAsList()]
    pdf = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame(columns=names)
    if pdf.empty:
        raise NoResultsError(f"no result rows under {path}" + (f" for sweep '{sweep}'" if sweep else ""))
    versions = sorted(set(int(v) for v in pdf["schema_version"]))
    if versions != [SCHEMA_VERSION]:
        raise SchemaError(f"{path} holds rows of schema_version {versions}; the notebooks read version {SCHEMA_VERSION}")
    pdf["finished_at"] = pd.to_datetime(pdf["finished_at"], utc=True)
    for f in df.schema().fields():  # Spark's JSON writes NaN as "NaN"; ints of null rows come back as floats
        if _spark_type(f) in ("double", "float"):
            pdf[str(f.name())] = pd.to_numeric(pdf[str(f.name())], errors="coerce")
    pdf = pdf.sort_values(["sweep_id", "point_index", "method"], kind="stable").reset_index(drop=True)
    if not quiet:
        sweeps = ", ".join(f"{k} ({v} points)" for k, v in pdf.groupby("sweep_id")["point_id"].nunique().items())
        print(f"{len(pdf)} rows of result schema v{SCHEMA_VERSION} from {display_path(path)}: {sweeps}")
    return pdf


def display_path(path):
    """``path`` relative to the repository when inside it (so committed outputs carry no home directories)."""
    if "://" in str(path):
        return str(path)
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except (ValueError, OSError):
        return path


# ---- helpers shared by the notebooks ------------------------------------------------------------

def ok(df):
    """The rows of points that finished."""
    return df[df["status"] == "ok"]


def hidden_neurons(widths):
    """Total hidden neurons of a widths label such as '400x200x100'."""
    return sum(int(w) for w in str(widths).split("x") if w)


def parameters(dataset, widths):
    """Weights of an MLP on ``dataset`` with hidden ``widths`` (biases not counted).

    Only a fallback for tables written before the ``parameters`` column (see :func:`model_sizes`),
    and right only for MLPs."""
    sizes = [INPUTS.get(dataset, 784)] + [int(w) for w in str(widths).split("x") if w] + [CLASSES.get(dataset, 10)]
    return sum(a * b for a, b in zip(sizes, sizes[1:]))


def model_sizes(rows):
    """The size of the parent models of each row's point, and what it counts: ``(sizes, unit)``.

    ``sizes`` is a list aligned with ``rows``. With the ``parameters`` column (every floating-point
    tensor of the state dict: weights, biases, BatchNorm affine and running statistics; any
    architecture) it is the ``parameters`` of the point's ``parent`` rows, and ``unit`` is
    ``"parameters"``. Tables written before that column, or where a point's parents lack it, fall
    back to :func:`parameters`, the weights of an MLP of the row's ``dataset`` and ``widths``, for
    every row (one unit per plot), and ``unit`` is ``"weights"``.
    """
    if "parameters" in rows.columns:
        parents = rows[(rows["method"] == "parent") & rows["parameters"].notna()]
        by_point = parents.groupby("point_id")["parameters"].first()
        sizes = [by_point.get(p) for p in rows["point_id"]]
        if sizes and all(s is not None and s == s for s in sizes):
            return [int(s) for s in sizes], "parameters"
    return [parameters(d, w) for d, w in zip(rows["dataset"], rows["widths"])], "weights"


def family(row):
    """'fashion-mnist mlp 100x50': the models a point fuses (dataset, architecture, widths)."""
    return f"{row['dataset']} {row['arch']} {row['widths']}"


def note(text):
    """A visible note in the notebook (Markdown), e.g. when a sweep lacks a dimension."""
    from IPython.display import Markdown, display
    display(Markdown(f"> **Note:** {text}"))


def setup_plots():
    """Readable defaults for every figure (font sizes, grid, a colour-blind-safe cycle)."""
    import matplotlib.pyplot as plt
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (7.5, 4.5),
        "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 9,
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=[
            "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#555555"]),
    })
    pd.set_option("display.precision", 2)
    pd.set_option("display.max_colwidth", 120)


def save_figure(fig, name):
    """Saves ``fig`` as <OTFUSE_NOTEBOOK_OUT>/<name>.png (the notebook also shows it inline)."""
    f = output_dir() / f"{name}.png"
    fig.savefig(f, bbox_inches="tight")
    print(f"saved {f.name}")
    return f


def output_dir():
    """Where figures and CSV tables go (OTFUSE_NOTEBOOK_OUT, default: the current directory)."""
    out = Path(os.environ.get("OTFUSE_NOTEBOOK_OUT") or ".")
    out.mkdir(parents=True, exist_ok=True)
    return out


def show_table(table, digits=2):
    """``table`` with floats to ``digits`` decimals and missing values as '-' (for display)."""
    t = table.copy()
    for c in t.columns:
        if pd.api.types.is_float_dtype(t[c]):
            t[c] = [("-" if pd.isna(v) else f"{v:.{digits}f}") for v in t[c]]
    return t


def exact_solver(rows):
    """The exact-OT rows of ``rows`` when there are any, per model family; otherwise all of them."""
    return _prefer(rows, lambda r: r["solver"] == "exact")


def uniform_step(rows):
    """The rows with ensemble step 1/K when there are any, per (family, K); otherwise all of them."""
    return _prefer(rows, lambda r: (r["ensemble_step"] - 1.0 / r["group_size"]).abs() < 1e-9, ["group_size"])


def paper_setting(rows):
    """The paper's setting where the sweep has it: exact OT and ensemble step 1/K (0.5 for K = 2)."""
    return uniform_step(exact_solver(rows))


def _prefer(rows, cond, extra=()):
    keys = ["sweep_id", "dataset", "arch", "widths", *extra]
    parts = []
    for _, g in rows.groupby(keys, sort=False):
        # Parent and ensemble rows carry their point's settings too, so the filter keeps whole points.
        pick = g[cond(g)]
        parts.append(pick if not pick.empty else g)
    return pd.concat(parts) if parts else rows


def describe_setting(rows):
    """The fusion settings present in ``rows`` per K (solvers, regs, ensemble steps), for captions."""
    fusion = rows[rows["point_kind"] == "fusion"]

    def values(g, c):
        v = sorted(set(x for x in g[c].dropna()))
        return ", ".join(f"{x:.3g}" if isinstance(x, float) else str(x) for x in v) or "-"
    return "; ".join(
        f"K={k}: solver {values(g, 'solver')}" + (f" (reg {values(g, 'reg')})" if g["reg"].notna().any() else "")
        + f", ensemble step {values(g, 'ensemble_step')}, modes {values(g, 'mode')}"
        for k, g in fusion.groupby("group_size"))


# One colour per method in every notebook (Okabe-Ito, colour-blind safe); see color_for.
COLORS = {
    "parent": "#555555", "other parents": "#999999", "uncompressed parents": "#555555",
    "target parent": "#555555", "prediction ensemble": "#0072B2", "vanilla average": "#CC79A7",
    "OT fusion (weights)": "#E69F00", "OT fusion (activations)": "#009E73",
    "OT fusion + fine-tuning": "#56B4E9", "OT fusion": "#0072B2",
    "OT compression": "#009E73", "magnitude pruning": "#D55E00",
}


def color_for(label, i=0):
    """The colour of a series: that of the longest key of COLORS that ``label`` starts with
    ('OT fusion (weights), exact' is coloured as 'OT fusion (weights)'), else the i-th of the cycle."""
    import matplotlib.pyplot as plt

    keys = [k for k in COLORS if label.startswith(k)]
    if keys:
        return COLORS[max(keys, key=len)]
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return cycle[i % len(cycle)]


def plot_band(ax, grouped, color, label, linestyle="-", dodge=0.0):
    """Mean of ``grouped`` (a GroupBy over x of one value column) as a line with markers and its
    min-max range as a band; a lone x gets an error bar instead, shifted by ``dodge`` so that
    error bars at the same x stay apart. Returns the line."""
    g = grouped.agg(["mean", "min", "max"]).sort_index()
    if len(g) == 1:
        h = ax.errorbar(g.index + dodge, g["mean"], yerr=[g["mean"] - g["min"], g["max"] - g["mean"]], fmt="o",
                        color=color, capsize=4, label=label)
        return h
    (h,) = ax.plot(g.index, g["mean"], marker="o", color=color, linestyle=linestyle, label=label)
    if (g["max"] > g["min"]).any():
        ax.fill_between(g.index, g["min"], g["max"], color=color, alpha=0.12, linewidth=0)
    return h


def family_panels(series, x, xlabel, title, hlines=None, logx=False, integer_x=False, ylabel="test accuracy (%)"):
    """One panel per model family: each of ``series`` (label -> rows) as mean accuracy over ``x``
    with a min-max band, each of ``hlines`` (label -> rows) as a dotted line at its mean accuracy.
    Returns the figure (one legend for all panels, right of them)."""
    import matplotlib.pyplot as plt

    hlines = hlines or {}
    frames = [r for r in list(series.values()) + list(hlines.values()) if not r.empty]
    if not frames:
        raise ValueError("nothing to plot")
    fams = sorted(set(pd.concat(frames).apply(family, axis=1)))
    ncols = min(3, len(fams))
    nrows = (len(fams) + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols + 2.6, 3.6 * nrows + 0.6), squeeze=False)
    handles = {}
    xs = pd.concat([r[x] for r in series.values() if not r.empty] or [pd.Series([0.0, 1.0])]).dropna()
    span = (xs.max() - xs.min()) or 1.0
    for ax, fam in zip(axes.flat, fams):
        for i, (label, rows) in enumerate(series.items()):
            r = rows[rows.apply(family, axis=1) == fam] if not rows.empty else rows
            if r.empty:
                continue
            dodge = 0.0 if logx else (i - (len(series) - 1) / 2) * 0.012 * span
            handles[label] = plot_band(ax, r.groupby(x)["accuracy"], color_for(label, i), label, dodge=dodge,
                                       linestyle="--" if "fine-tun" in label else "-")
        for j, (label, rows) in enumerate(hlines.items()):
            r = rows[rows.apply(family, axis=1) == fam] if not rows.empty else rows
            if r.empty:
                continue
            handles[label] = ax.axhline(r["accuracy"].mean(), color=color_for(label, len(series) + j), linestyle=":",
                                        linewidth=1.8, label=label)
        ax.set_title(fam)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ticks = sorted(set(xs))
        if logx:
            ax.set_xscale("log")
            ax.minorticks_off()
        if len(ticks) <= 10:  # ticks at the swept values, written plainly
            ax.set_xticks(ticks, [str(int(v)) if integer_x else f"{v:g}" for v in ticks])
        if len(ticks) == 1:  # a single swept value: some room around it for the (dodged) error bars
            margin = 0.1 * abs(ticks[0]) or 0.1
            ax.set_xlim(ticks[0] - margin, ticks[0] + margin)
    for ax in list(axes.flat)[len(fams):]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=13)
    fig.legend(handles.values(), handles.keys(), loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.tight_layout()
    return fig


if __name__ == "__main__":  # quick check from a shell: python3 notebooks/otfuse_results.py [PATH]
    frame = load(sys.argv[1] if len(sys.argv) > 1 else None)
    print(frame.groupby(["sweep_id", "point_kind", "method", "status"]).size().to_string())
