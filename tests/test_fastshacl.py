"""The fast SHACL engine gives the same results as pySHACL.

Both engines run on every file of the record corpus and on a few hundred generated records with
injected faults; the sets of (focus node, path, value, source shape, severity) must be equal.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from bench.generator import FAULTS, Generator, record_graph
from registry.fastshacl import FastValidator, UnsupportedShapeError
from registry.fastshacl.parallel import ParallelValidator
from registry.model import load_shapes
from registry.validation import ValidationReport, Validator, parse_rdf_file

RECORDS = Path(__file__).parent / "fixtures" / "records"
CORPUS = sorted(RECORDS.glob("*/*.ttl"))
SHAPES = "https://w3id.org/collectives-nl/def/shapes#"


def results(report: ValidationReport) -> set:
    return {(r.focus_node, r.path, r.value, r.source_shape, r.severity) for r in report.results}


@pytest.fixture(scope="module")
def slow() -> Validator:
    return Validator()


@pytest.fixture(scope="module")
def fast() -> FastValidator:
    return FastValidator()


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_same_results_as_pyshacl(path, slow, fast):
    graph = parse_rdf_file(path)
    expected, got = slow.validate(graph), fast.validate(graph)
    assert results(got) == results(expected)
    assert got.conforms == expected.conforms


@pytest.mark.parametrize("path", sorted((RECORDS / "invalid").glob("*.ttl")), ids=lambda p: p.name)
def test_corpus_expected_shape_reported(path, fast):
    expected = path.read_text(encoding="utf-8").splitlines()[0][len("# expect: "):].strip()
    report = fast.validate(parse_rdf_file(path))
    assert not report.conforms
    assert expected in {str(r.source_shape) for r in report.violations}


def test_generated_records_with_faults_same_as_pyshacl(slow, fast):
    records = list(Generator(300, seed=7, fault_rate=0.25).records())
    assert {r.fault.kind for r in records if r.fault} == {f.kind for f in FAULTS}
    graphs = [record_graph(r) for r in records]
    fast_reports = fast.validate_batch(graphs)
    for record, graph, got in zip(records, graphs, fast_reports):
        expected = slow.validate(graph)
        assert results(got) == results(expected), record.key
        if record.fault:
            assert SHAPES + record.fault.shape in {str(r.source_shape) for r in got.violations}, record.fault
        else:
            assert got.conforms, record.key


def test_batch_equals_one_by_one(fast):
    graphs = [record_graph(r) for r in Generator(40, seed=3, fault_rate=0.3).records()]
    assert [results(r) for r in fast.validate_batch(graphs)] == [results(fast.validate(g)) for g in graphs]


def test_report_carries_messages_and_graph(fast):
    graph = parse_rdf_file(RECORDS / "invalid" / "bad-kvk.ttl")
    report = fast.validate(graph)
    kvk = next(r for r in report.violations if str(r.source_shape).endswith("KvkNumberShape"))
    assert kvk.message("nl").startswith("Het KvK-nummer")
    assert kvk.rule_name("en") == "KvK number"
    assert len(list(report.graph.subjects(None, None))) > 1
    assert "conforms: False" in report.to_text()


def test_parallel_validator_matches_in_process(tmp_path, fast):
    generator = Generator(120, seed=5, fault_rate=0.2, sources=("synth-a", "synth-b"))
    manifest = generator.write(tmp_path)
    records = {r.key: r for r in generator.records()}
    for processes in (1, 2):
        found = 0
        with ParallelValidator(processes=processes, batch_size=16) as pv:
            for source in manifest["sources"].values():
                with (tmp_path / source["file"]).open(encoding="utf-8") as handle:
                    for lines, summary in pv.validate_lines(handle):
                        key = lines[0].split("> ", 1)[0].rsplit("/", 1)[-1]
                        assert summary.conforms == (records[key].fault is None)
                        found += 1
        assert found == manifest["records"]


def test_unsupported_component_is_refused():
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:datatype ex:d ] ; sh:qualifiedMinCount 1 ] .
        """, format="turtle")
    with pytest.raises(UnsupportedShapeError, match="qualified"):
        FastValidator(shapes=shapes, ontology=Graph())


def test_other_core_components_same_as_pyshacl():
    """Components the registry's shapes do not use yet, checked against pySHACL on small cases."""
    import pyshacl

    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:S a sh:NodeShape ; sh:targetNode ex:a , ex:b ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:kind ; sh:in ( "x" "y" ) ] ,
                [ sh:path ex:friend ; sh:class ex:C ] ,
                [ sh:path ( ex:friend ex:name ) ; sh:minLength 2 ; sh:maxLength 5 ] ,
                [ sh:path ex:label ; sh:languageIn ( "nl" "en" ) ; sh:uniqueLang true ] ,
                [ sh:path ex:size ; sh:minInclusive 1 ; sh:maxExclusive 10 ] ,
                [ sh:path ex:start ; sh:lessThan ex:end ] ,
                [ sh:path ex:code ; sh:pattern "^ab" ; sh:flags "i" ] ,
                [ sh:path ex:kind ; sh:xone ( [ sh:hasValue "x" ] [ sh:datatype xsd:string ] ) ] ,
                [ sh:path ex:kind ; sh:and ( [ sh:nodeKind sh:Literal ] [ sh:minLength 1 ] ) ] .
        """, format="turtle")
    data = Graph().parse(data="""
        @prefix ex: <https://example.org/> .
        ex:a ex:kind "x" , "z" ; ex:friend ex:b , ex:c ; ex:label "a"@nl , "b"@nl , "c"@de ;
            ex:size 0 , 5 , 10 ; ex:start 5 ; ex:end 3 ; ex:code "ABc" , "xab" .
        ex:b a ex:C ; ex:name "b" ; ex:kind "y" .
        ex:c ex:name "long name" .
        """, format="turtle")
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    from rdflib.namespace import SH
    from rdflib import BNode

    def key(focus, path, value, component):
        return (focus, None if isinstance(path, BNode) or path is None or not str(path).startswith("http") else path,
                value, component)

    expected = {key(report.value(r, SH.focusNode), report.value(r, SH.resultPath), report.value(r, SH.value),
                    report.value(r, SH.sourceConstraintComponent)) for r in report.objects(None, SH.result)}
    got = {key(r.focus_node, r.path, r.value, r.constraint)
           for r in FastValidator(shapes=shapes, ontology=Graph()).validate(data).results}
    assert got == expected


def test_registry_shapes_compile():
    FastValidator(shapes=load_shapes(), ontology=Graph())
