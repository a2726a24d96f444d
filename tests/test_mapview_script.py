"""The map script keeps file text as text: folium/branca must not evaluate it as a template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tourapp import create_app


@pytest.mark.parametrize(
    "name",
    [
        "Musée {{ 7*7 }}",
        "{{ cycler.__init__.__globals__.os.getcwd() }}",
        "{% for x in range(3) %}x{% endfor %}",
        "{{ config.SECRET_KEY }}",
        "{# not a comment #}",
        "{% if %}",
    ],
)
def test_braces_in_stop_texts_reach_the_map_verbatim(client, tour_file, name):
    document = json.loads(tour_file.read_text(encoding="utf-8"))
    fabre = next(f for f in document["features"] if f["properties"].get("id") == "musee-fabre")
    fabre["properties"]["name_fr"] = name
    document["features"][0]["properties"]["tour_attribution"] = name
    tour_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    response = client.get("/fr/map.js")
    assert response.status_code == 200
    script = response.get_data(as_text=True)
    # The texts arrive as inert JSON: "{{", "{%" and "{#" as \\u007b…, the same characters.
    call = script.split("tourapp.bindStop(marker_stop4,", 1)[1].lstrip()
    assert json.JSONDecoder().raw_decode(call)[0]["name"] == name
    assert "Musée 49" not in script and "Mus\\u00e9e 49" not in script
    assert str(Path.cwd()) not in script


def test_map_script_is_the_same_for_every_render(tour_file):
    # Two apps, so the second script is rendered again, not replayed or memoised: its
    # ?v= hash and every worker's copy must agree byte for byte.
    scripts = [
        create_app({"TESTING": True, "TOUR_DATA": tour_file}).test_client().get("/en/map.js")
        for _ in range(2)
    ]
    assert scripts[0].status_code == scripts[1].status_code == 200
    assert scripts[0].data == scripts[1].data


def test_maps_rendered_in_parallel_threads_are_whole(app):
    from concurrent.futures import ThreadPoolExecutor

    from tourapp.stopsfile.store import get_store
    from tourapp.web import views

    def render(lang):
        with app.test_request_context(f"/{lang}/"):
            app.preprocess_request()
            return views.render_map_script(get_store().tour(), lang)

    expected = {lang: render(lang) for lang in ("fr", "en")}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(render, ["fr", "en"] * 6))
    assert results == [expected["fr"], expected["en"]] * 6
    assert all("tourapp.register(" in r and r.count("bindStop(") == 4 for r in results)
