"""Municipalities and provinces from the recorded TOOI registers."""
import io

from harvesters.tooi import load_reference
from registry.reference import Reference


def test_counts_match_the_published_register(reference):
    assert len(reference.municipalities) == 605
    assert sum(m.is_current for m in reference.municipalities.values()) == 342
    assert len(reference.events) == 128
    assert len(reference.provinces) == 12


def test_merged_municipality_maps_to_the_current_one(reference):
    assert reference.current_code("GM0024") == "gm1979"  # Loppersum → Eemsdelta, 2021-01-01
    assert reference.current_code("gm0363") == "gm0363"
    assert reference.municipality("Loppersum").end == "2020-12-31"


def test_a_split_municipality_has_several_successors_and_no_single_current(reference):
    assert reference.current_codes("gm0788") == ["gm0757", "gm0824", "gm0855", "gm0865"]
    assert reference.current_code("gm0788") is None


def test_lookup_by_any_code_form_or_name(reference):
    for form in ["GM0518", "gm0518", "0518", "518", "https://identifier.overheid.nl/tooi/id/gemeente/gm0518",
                 "Den Haag", "'s-Gravenhage", "den haag"]:
        assert reference.municipality(form).code == "gm0518", form
    assert reference.province_code("Fryslân") == "pv21"
    assert reference.province_code("friesland") == "pv21"


def test_unreachable_registers_say_so_in_one_line_and_go_on(settings, tmp_path):
    log = io.StringIO()
    empty = load_reference(settings.with_(reference_dir=tmp_path), log=log)
    assert not empty.available
    assert log.getvalue().count("\n") == 1 and "unavailable" in log.getvalue()
    assert empty.province_code("Zeeland") == "pv29"  # the twelve provinces are always known


def test_rdf_carries_cbs_codes_and_successors(reference, settings):
    iris = settings.iris
    graph = reference.to_graph(iris)
    from registry.namespaces import municipality_iri
    assert (municipality_iri("gm0024"), iris.CC.currentMunicipality, municipality_iri("gm1979")) in graph
    assert str(graph.value(municipality_iri("gm0363"), iris.CC.cbsMunicipalityCode)) == "GM0363"


def test_empty_reference_is_not_available():
    assert not Reference().available
