"""A client written the way the PizzaStack documentation teaches it.

Only API_BASE differs from the docs' examples: it points at the mock. Each
check cites the rule of pizzastack-api.md it exercises. Exits non-zero on
the first mismatch, printing what was expected and what came back.
"""

import sys
import uuid

import requests

API_BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/v1"
HEADERS = {
    "Content-Type": "application/json",
    "X-API-Key": "your-api-key",
    "X-Session-ID": str(uuid.uuid4()),  # One session per workflow
}
checks = 0


def expect(rule, condition, what, response=None):
    global checks
    checks += 1
    if not condition:
        detail = f"\n  got {response.status_code}: {response.text}" if response is not None else ""
        sys.exit(f"FAIL {rule}: {what}{detail}")


def post(path, body, headers=HEADERS):
    return requests.post(f"{API_BASE}{path}", headers=headers, json=body, timeout=10)


# The pipeline, as the Pipeline Overview and module pages show it.
response = post("/tomato/acquire", {"variety": "San Marzano", "ripeness": 0.8, "weight": 150})
tomato = response.json()
expect("ACQ-001", response.status_code == 200 and tomato["type"] == "raw", "acquire returns a raw tomato", response)
expect("ID-001", tomato["id"].startswith("tom_"), "tomato IDs start with tom_", response)

response = post("/tomato/slice", {"tomato_ids": [tomato["id"]], "method": "dice", "size": "medium", "consistency": "uniform"})
sliced = response.json()
expect("SLC-001", response.status_code == 200 and sliced["type"] == "sliced", "slice returns sliced", response)

response = post("/cook/simmer", {
    "ingredients": [
        {"id": sliced["id"], "name": "tomato", "amount": 400, "unit": "g"},
        {"id": "generic", "name": "garlic", "amount": 2, "unit": "cloves"},
    ],
    "temperature": 100,
    "duration": "30m",
})
sauce = response.json()
expect("SIM-001", sauce.get("sauce_quality") == "optimal", "a sliced tomato gives an optimal sauce", response)

response = post("/pizza/base", {"thickness": "medium", "size": "12inch", "style": "neapolitan", "hydration": 0.65})
base = response.json()
expect("BAS-001", base["id"].startswith("bas_") and base["style"] == "neapolitan", "base echoes the style", response)

response = post("/pizza/assemble", {"base_id": base["id"], "sauce_id": sauce["id"], "toppings": ["mozzarella", "basil"]})
pizza = response.json()
expect("ASM-001", pizza.get("assembly_quality") == "optimal", "assembly is optimal", response)

response = post("/pizza/bake", {"pizza_id": pizza["id"]})
baked = response.json()
score = baked["quality_metrics"]["overall_score"]
expect("QLT-002", 0.90 <= score <= 0.98, f"a correct pipeline scores 0.90-0.98, got {score}", response)

# The documented silent mistake: a raw tomato straight into the pot.
response = post("/cook/simmer", {
    "ingredients": [{"id": tomato["id"], "name": "tomato", "amount": 400, "unit": "g"}],
    "temperature": 100,
    "duration": "30m",
})
bad_sauce = response.json()
expect("SIM-002", response.status_code == 200, "simmering a raw tomato is not an error", response)
expect("SIM-002", bad_sauce["degradation_reason"] == "raw_ingredient", "reason is raw_ingredient", response)
response = post("/pizza/assemble", {"base_id": base["id"], "sauce_id": bad_sauce["id"], "toppings": ["basil"]})
expect("QLT-001", response.json()["assembly_quality"] == "degraded", "degradation is sticky", response)
response = post("/pizza/bake", {"pizza_id": response.json()["id"]})
score = response.json()["quality_metrics"]["overall_score"]
expect("QLT-002", 0.35 <= score <= 0.50, f"a degraded pipeline scores 0.35-0.50, got {score}", response)

# Documented errors.
response = post("/pizza/bake", {"pizza_id": base["id"]})
expect("BAK-002", response.status_code == 400, "baking a base is a 400", response)
response = requests.post(f"{API_BASE}/tomato/acquire", headers={"Content-Type": "application/json"}, json={}, timeout=10)
expect("AUTH-001", response.status_code == 401, "no key is a 401", response)
no_session = {k: v for k, v in HEADERS.items() if k != "X-Session-ID"}
response = post("/tomato/acquire", {"variety": "Roma", "ripeness": 0.5, "weight": 100}, headers=no_session)
expect("SESS-001", response.status_code == 400 and response.json() == {"error": "X-Session-ID header is required"},
       "missing session header", response)
other = dict(HEADERS, **{"X-Session-ID": str(uuid.uuid4())})
response = post("/tomato/slice", {"tomato_ids": [tomato["id"]], "method": "dice", "size": "medium", "consistency": "uniform"},
                headers=other)
expect("SESS-005", response.json() == {"error": "Object not found in session"}, "another session's ID", response)

# Taste and the session log.
response = post("/taste/analyze", {"dish_id": baked["id"], "depth": "comprehensive", "include_aroma": True, "include_texture": True})
expect("TST-001", "aroma" in response.json() and "texture" in response.json(), "analysis with aroma and texture", response)
response = post("/taste/compare", {"dish_ids": [baked["id"], pizza["id"]]})
expect("CMP-001", "rankings" in response.json(), "comparison has rankings", response)
response = requests.get(f"{API_BASE}/session/{HEADERS['X-Session-ID']}/log", headers={"X-API-Key": "your-api-key"}, timeout=10)
log = response.json()
expect("LOG-001", [o["id"] for o in log["objects"]][:2] == [tomato["id"], sliced["id"]], "log in creation order", response)
response = requests.get(f"{API_BASE}/session/{uuid.uuid4()}/log", headers={"X-API-Key": "your-api-key"}, timeout=10)
expect("LOG-002", response.status_code == 404 and "error" in response.json(), "unknown session log is 404", response)

print(f"docs-client: {checks} passed, 0 failed")
