"""Apache Jena's SHACL validator (Debian ``libapache-jena-java``), run as a comparison engine.

Debian ships the jars but no launcher, so this module builds the class path itself: the
unversioned ``/usr/share/java/jena-*.jar`` plus the libraries Jena needs (never the whole
``/usr/share/java``, which brings two conflicting slf4j bindings), and a copy of the xerces
message bundles at ``xerces/`` (Debian moved the classes but not their bundles; without them
date parsing fails).

    python -m bench.jena --shapes SHAPES.ttl --data DATA.nt     # prints the report summary
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

JAVA_DIR = Path("/usr/share/java")
LIBRARIES = ["commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
             "dexx.collection", "gson", "guava", "httpclient", "httpcore", "jackson-core", "jackson-databind",
             "jackson-annotations", "jsonld-java", "jakarta.json-api", "protobuf", "libthrift", "thrift",
             "titanium-json-ld", "slf4j-api", "slf4j-nop"]
CACHE = Path(__file__).resolve().parent / ".work" / "jena"
SH = "http://www.w3.org/ns/shacl#"


def available() -> bool:
    return shutil.which("java") is not None and (JAVA_DIR / "jena-shacl.jar").is_file()


def classpath(cache: Path = CACHE) -> str:
    if not available():
        raise RuntimeError("Jena is not installed: apt-get install libapache-jena-java default-jre-headless")
    jars = sorted(str(p) for p in JAVA_DIR.glob("jena-*.jar") if not any(ch.isdigit() for ch in p.stem))
    for name in LIBRARIES:
        jar = JAVA_DIR / f"{name}.jar"
        if jar.is_file():
            jars.append(str(jar))
    bundles = cache / "xerces-bundles"
    if not (bundles / "xerces").is_dir():
        bundles.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
            prefix = "org/apache/jena/ext/xerces/"
            for name in jar.namelist():
                if name.startswith(prefix) and not name.endswith(".class") and not name.endswith("/"):
                    target = bundles / "xerces" / name[len(prefix):]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    return ":".join([str(bundles), *jars])


@dataclass
class JenaRun:
    seconds: float
    violations: int
    warnings: int
    results: set = field(default_factory=set)  # (focus, path, value, shape, severity) as text


def shapes_for_jena(shapes):
    """Jena 4.5 refuses a SPARQL constraint with more than one ``sh:message`` ("More than one
    match"); keep only the English one there (messages do not change which results are found)."""
    from rdflib import Graph, Literal, URIRef

    out = Graph()
    for triple in shapes:
        out.add(triple)
    message, constraint = URIRef(SH + "message"), URIRef(SH + "SPARQLConstraint")
    for node in set(shapes.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), constraint)):
        for text in list(out.objects(node, message)):
            if not (isinstance(text, Literal) and text.language == "en"):
                out.remove((node, message, text))
    return out


def validate(shapes: Path, data: Path, *, heap: str = "6g", report: Path | None = None) -> JenaRun:
    """Run ``shacl validate`` (JVM start and parsing included in ``seconds``)."""
    report = report or data.with_suffix(".jena-report.ttl")
    command = ["java", f"-Xmx{heap}", "-cp", classpath(), "shacl.shacl", "validate",
               "--shapes", str(shapes), "--data", str(data)]
    started = time.perf_counter()
    with report.open("wb") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"jena shacl failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return _summarise(report, seconds)


def _summarise(report: Path, seconds: float) -> JenaRun:
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(report), format=ox.RdfFormat.TURTLE)
    rows = store.query(f"""PREFIX sh: <{SH}>
        SELECT ?focus ?path ?value ?shape ?severity WHERE {{
          ?r a sh:ValidationResult ; sh:focusNode ?focus ; sh:resultSeverity ?severity ; sh:sourceShape ?shape .
          OPTIONAL {{ ?r sh:resultPath ?path }} OPTIONAL {{ ?r sh:value ?value }} }}""")
    results = set()
    violations = warnings = 0
    for row in rows:
        severity = row["severity"].value.rsplit("#", 1)[-1]
        path = row["path"]
        results.add((row["focus"].value, path.value if isinstance(path, ox.NamedNode) else None,
                     None if row["value"] is None else row["value"].value, row["shape"].value, severity))
        violations += severity == "Violation"
        warnings += severity == "Warning"
    return JenaRun(seconds, violations, warnings, results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.jena")
    parser.add_argument("--shapes", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args(argv)
    run = validate(args.shapes, args.data)
    print(f"{run.seconds:.1f} s, {run.violations} violations, {run.warnings} warnings")
    return 0 if run.violations == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
