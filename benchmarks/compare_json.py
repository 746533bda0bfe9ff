"""Compare two flyplan JSON outputs: structure, text and flags exactly; numbers, the largest difference per field.

    python benchmarks/compare_json.py before.json after.json
"""
import json
import sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
worst = {}
def walk(x, y, path):
    if isinstance(x, dict):
        assert isinstance(y, dict) and list(x) == list(y), (path, set(x) ^ set(y))
        for k in x: walk(x[k], y[k], f"{path}.{k}" if not path.endswith("]") else f"{path.split('[')[0]}[].{k}")
    elif isinstance(x, list):
        assert isinstance(y, list) and len(x) == len(y), (path, len(x), len(y))
        for i, (u, v) in enumerate(zip(x, y)): walk(u, v, f"{path}[]")
    elif isinstance(x, float) and isinstance(y, (int, float)) and not isinstance(y, bool):
        d = abs(x - y); worst[path] = max(worst.get(path, 0.0), d)
    else:
        assert x == y, (path, x, y)
walk(a, b, "")
diff = {k: v for k, v in worst.items() if v > 0}
print(f"identical structure, text and flags; {len(worst)} numeric fields, {len(diff)} differ")
for k, v in sorted(diff.items(), key=lambda kv: -kv[1])[:12]:
    print(f"  {k}: max |diff| {v:.3g}")
