"""An independent PizzaStack server, written from the documentation pages
alone (../shared/docs/), to check that `pizzastack check` raises no false
alarm on a server that follows the docs but decides differently wherever
they are silent. It shares no code, no schema and no choice with the mock.

Its own choices, where the pages say nothing:
- IDs: the type's prefix and 8 hexadecimal digits (tom_3fa85f64);
- creations answer 201 Created, except simmer, whose 200 the docs fix;
- the log writes endpoints without /v1 and timestamps as Python's
  isoformat() with microseconds and +00:00, and has no session_id;
- every error the docs do not quote is {"detail": ...}, body validation
  answers 422 with FastAPI's list of problems;
- unset optional fields are written as null (degradation_reason, aroma,
  texture); answers carry fields the models do not show (created_at);
- sessions are shared by every key (no ownership), expire after
  --session-ttl seconds of inactivity, and any non-empty session ID works;
- the scores are its own numbers inside the documented ranges.

`--break RULE` breaks one documented rule on purpose, to show the check
notices: SESS-005 (another error text for IDs not in the session), QLT-002
(a correct pizza scores 0.85) or SIM-002 (a raw tomato gives a 400).

Standard library only: python3 independent_server.py --port 9000
"""

import argparse
import json
import random
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIXES = {
    "/tomato/acquire": ("tom_", "raw"),
    "/tomato/slice": ("slc_", "sliced"),
    "/tomato/squeeze": ("jce_", "juice"),
    "/cook/simmer": ("sce_", "sauce"),
    "/cook/roast": ("rst_", "roasted_ingredient"),
    "/pizza/base": ("bas_", "base"),
    "/pizza/assemble": ("pza_", "assembled"),
    "/pizza/bake": ("bkd_", None),
}
MISSING_SESSION = "X-Session-ID header is required"
NOT_IN_SESSION = "Object not found in session"


class Refused(Exception):
    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def detail(status, text):
    return Refused(status, {"detail": text})


def invalid(location, message):
    return Refused(422, {"detail": [{"loc": ["body", location], "msg": message, "type": "value_error"}]})


class Kitchen:
    def __init__(self, keys, ttl, broken):
        self.keys = set(keys)
        self.ttl = ttl
        self.broken = broken
        self.lock = threading.Lock()
        self.sessions = {}  # session id -> {"seen": t, "objects": {id: obj}, "ops": [...]}

    def session(self, sid, create):
        now = time.monotonic()
        found = self.sessions.get(sid)
        if found and now - found["seen"] > self.ttl:
            del self.sessions[sid]
            found = None
        if found is None and create:
            found = {"seen": now, "objects": {}, "ops": []}
            self.sessions[sid] = found
        if found:
            found["seen"] = now
        return found

    def lookup(self, session, oid):
        if not isinstance(oid, str) or oid not in session["objects"]:
            text = "Unknown object" if self.broken == "SESS-005" else NOT_IN_SESSION
            raise Refused(400, {"error": text})
        return session["objects"][oid]

    def create(self, session, endpoint, fields):
        prefix, kind = PREFIXES[endpoint]
        obj = {"id": prefix + uuid.uuid4().hex[:8]}
        if kind:
            obj["type"] = kind
        obj.update(fields)
        obj["created_at"] = time.time()
        session["objects"][obj["id"]] = obj
        session["ops"].append({
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "endpoint": endpoint,
            "result_id": obj["id"],
        })
        return obj


def need(body, name, kind, where=None):
    value = body.get(name)
    if value is None or not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise invalid(where or name, f"field required or of the wrong type: {name}")
    return value


def score(low, high):
    return round(random.uniform(low, high), 3)


def handle(kitchen, method, path, headers, body):
    """Returns (status, json) or raises Refused."""
    key = headers.get("X-API-Key")
    if key not in kitchen.keys:
        raise detail(401, "Not authenticated")
    if method == "GET" and path.startswith("/v1/session/") and path.endswith("/log"):
        sid = path[len("/v1/session/"):-len("/log")]
        with kitchen.lock:
            session = kitchen.session(sid, create=False)
            if session is None:
                raise detail(404, "Session not found")
            return 200, {"objects": list(session["objects"].values()), "operations": list(session["ops"])}
    endpoint = path[len("/v1"):] if path.startswith("/v1/") else None
    if endpoint not in PREFIXES and endpoint not in ("/taste/analyze", "/taste/compare"):
        raise detail(404, "Not Found")
    if method != "POST":
        raise detail(405, "Method Not Allowed")
    sid = headers.get("X-Session-ID")
    if not sid:
        raise Refused(400, {"error": MISSING_SESSION})
    if not isinstance(body, dict):
        raise invalid("body", "a JSON object is required")
    with kitchen.lock:
        session = kitchen.session(sid, create=True)
        answer = cook(kitchen, session, endpoint, body)
    return (200 if endpoint in ("/cook/simmer", "/taste/analyze", "/taste/compare") else 201), answer


def cook(kitchen, session, endpoint, body):
    if endpoint == "/tomato/acquire":
        variety = need(body, "variety", str)
        ripeness = need(body, "ripeness", (int, float))
        weight = need(body, "weight", (int, float))
        if not 0 <= ripeness <= 1 or weight <= 0:
            raise invalid("ripeness", "out of range")
        return kitchen.create(session, endpoint, {
            "variety": variety, "ripeness": ripeness, "weight": weight,
            "properties": {"brix": score(4, 7)},
        })
    if endpoint in ("/tomato/slice", "/tomato/squeeze"):
        ids = need(body, "tomato_ids", list)
        if not ids:
            raise invalid("tomato_ids", "must not be empty")
        for oid in ids:
            kitchen.lookup(session, oid)
        if endpoint == "/tomato/squeeze":
            return kitchen.create(session, endpoint, {
                "volume": 80.0 * len(ids), "concentration": score(0.4, 0.9), "properties": {},
            })
        fields = {name: need(body, name, str) for name in ("method", "size", "consistency")}
        return kitchen.create(session, endpoint, dict(fields, source_tomato_ids=ids, pieces=[{"n": i} for i in range(6)]))
    if endpoint in ("/cook/simmer", "/cook/roast"):
        ingredients = need(body, "ingredients", list)
        temperature = need(body, "temperature", int)
        duration = need(body, "duration", str)
        raw = False
        degraded_input = False
        for item in ingredients:
            if not isinstance(item, dict):
                raise invalid("ingredients", "each ingredient is an object")
            if item.get("id") == "generic":
                continue
            source = kitchen.lookup(session, item.get("id"))
            raw = raw or source.get("type") == "raw"
            degraded_input = degraded_input or source.get("sauce_quality") == "degraded"
        if endpoint == "/cook/roast":
            return kitchen.create(session, endpoint, {"ingredients": ingredients, "temperature": temperature})
        if raw and kitchen.broken == "SIM-002":
            raise detail(400, "slice your tomatoes first")
        degraded = raw or degraded_input
        return kitchen.create(session, endpoint, {
            "name": "sauce",
            "sauce_quality": "degraded" if degraded else "optimal",
            "degradation_reason": "raw_ingredient" if degraded else None,
            "ingredients": ingredients, "temperature": temperature, "duration": duration,
            "properties": {"thickness": score(0.3, 0.7)},
        })
    if endpoint == "/pizza/base":
        thickness = need(body, "thickness", str)
        style = need(body, "style", str)
        size = need(body, "size", str)
        if thickness not in ("thin", "medium", "thick") or style not in ("neapolitan", "new_york", "chicago", "roman"):
            raise invalid("style", "not a known value")
        hydration = body.get("hydration", 0.6)
        return kitchen.create(session, endpoint, {"thickness": thickness, "size": size, "style": style, "hydration": hydration})
    if endpoint == "/pizza/assemble":
        base = kitchen.lookup(session, need(body, "base_id", str))
        sauce = kitchen.lookup(session, need(body, "sauce_id", str))
        if base.get("type") != "base" or sauce.get("type") != "sauce":
            raise detail(400, "base_id must be a base and sauce_id a sauce")
        degraded = sauce.get("sauce_quality") == "degraded"
        return kitchen.create(session, endpoint, {
            "base_id": base["id"], "sauce_id": sauce["id"], "toppings": body.get("toppings", []),
            "assembly_quality": "degraded" if degraded else "optimal",
        })
    if endpoint == "/pizza/bake":
        pizza = kitchen.lookup(session, need(body, "pizza_id", str))
        if pizza.get("type") != "assembled":
            raise detail(400, "pizza_id must be an assembled pizza")
        if pizza["assembly_quality"] == "degraded":
            metrics = {m: score(0.2, 0.5) for m in ("crust_crispness", "cheese_melt", "topping_distribution", "sauce_integration")}
            metrics["overall_score"] = score(0.36, 0.49)
        else:
            metrics = {m: score(0.86, 0.99) for m in ("crust_crispness", "cheese_melt", "topping_distribution", "sauce_integration")}
            metrics["overall_score"] = 0.85 if kitchen.broken == "QLT-002" else score(0.91, 0.97)
        return kitchen.create(session, endpoint, {"pizza_id": pizza["id"], "quality_metrics": metrics})
    if endpoint == "/taste/analyze":
        kitchen.lookup(session, need(body, "dish_id", str))
        notes = [{"name": "tomato", "intensity": score(0.3, 0.9)}]
        return {
            "id": "ana_" + uuid.uuid4().hex[:8],
            "sweetness": score(0, 1), "acidity": score(0, 1), "umami": score(0, 1),
            "aroma": {"intensity": score(0, 1), "complexity": score(0, 1), "primary_notes": notes,
                      "secondary_notes": [], "tertiary_notes": []} if body.get("include_aroma") else None,
            "texture": {"firmness": score(0, 1), "juiciness": score(0, 1), "mouthfeel": score(0, 1),
                        "structural_integrity": score(0, 1)} if body.get("include_texture") else None,
        }
    if endpoint == "/taste/compare":
        dishes = need(body, "dish_ids", list)
        for oid in dishes:
            kitchen.lookup(session, oid)
        metrics = body.get("metrics") or ["sweetness", "acidity", "umami"]
        rankings = {}
        for metric in metrics:
            scored = [{"dish_id": oid, "score": score(0, 1)} for oid in dishes]
            rankings[metric] = sorted(scored, key=lambda s: s["score"], reverse=True)
        return {"comparison_id": "cmp-" + uuid.uuid4().hex, "rankings": rankings}
    raise detail(404, "Not Found")


def make_handler(kitchen):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def serve(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    raise invalid("body", "JSON decode error")
                status, payload = handle(kitchen, method, self.path.split("?")[0], self.headers, body)
            except Refused as refused:
                status, payload = refused.status, refused.body
            self.answer(status, payload)

        def do_GET(self):
            self.serve("GET")

        def do_POST(self):
            self.serve("POST")

        def do_PUT(self):
            self.serve("PUT")

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", action="append", default=[])
    parser.add_argument("--session-ttl", type=float, default=1800.0, help="seconds")
    parser.add_argument("--break", dest="broken", choices=["SESS-005", "QLT-002", "SIM-002"])
    args = parser.parse_args()
    kitchen = Kitchen(args.api_key or ["your-api-key"], args.session_ttl, args.broken)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(kitchen))
    server.daemon_threads = True
    print(f"independent PizzaStack server on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
