"""Hostile RDF is refused before any parser sees it, wherever it enters: store loads, CLI, harvesters."""
import io
from pathlib import Path

import pytest
from rdflib import URIRef

from registry.cli import main
from registry.errors import InvalidInput
from registry.store.oxigraph import OxigraphStore
from registry.untrusted import check_rdf_xml
from registry.validation import parse_rdf_file

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
DOCUMENTS = sorted(HOSTILE.glob("*.rdf"))


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_the_guard_refuses_every_dtd(path):
    with pytest.raises(InvalidInput) as info:
        check_rdf_xml(path.read_bytes())
    assert info.value.code == "xml_dtd_refused"


def test_the_guard_sees_through_utf16():
    body = (HOSTILE / "entity-bomb.rdf").read_text().encode("utf-16")
    with pytest.raises(InvalidInput):
        check_rdf_xml(body)


def test_the_guard_lets_ordinary_rdf_xml_through():
    check_rdf_xml(b'<?xml version="1.0"?>\n<!-- a comment --><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                  b'<!-- <!ENTITY inside the document is only text --><rdf:Description/></rdf:RDF>')


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_the_store_refuses_to_load_them(path):
    store = OxigraphStore()
    for load in (lambda: store.load(str(path), "rdf", None), lambda: store.load(path.read_bytes(), "rdf", None),
                 lambda: store.load(io.BytesIO(path.read_bytes()), "rdf", None),
                 lambda: store.replace_graph(URIRef("https://example.org/g"), path.read_bytes(), "rdf")):
        with pytest.raises(InvalidInput):
            load()
    assert store.triple_count() == 0


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_validate_refuses_them_with_exit_2(path, capsys):
    with pytest.raises(InvalidInput):
        parse_rdf_file(path)
    assert main(["validate", str(path)]) == 2
    assert "not accepted" in capsys.readouterr().err
