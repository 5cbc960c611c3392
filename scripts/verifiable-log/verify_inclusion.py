import base64, hashlib, json, sys
p = json.load(open(sys.argv[1]))
H = lambda *b: hashlib.sha256(b"".join(b)).digest()
leaf = p["leaf"].encode()
h = H(b"\x00", leaf)
assert h.hex() == p["leaf_hash"]
# RFC 9162 section 2.1.3.2
fn, sn, r = p["leaf_index"], p["tree_size"] - 1, h
for s in map(base64.b64decode, p["inclusion_proof"]):
    if fn & 1 or fn == sn:
        r = H(b"\x01", s, r)
        while not fn & 1 and fn:
            fn >>= 1; sn >>= 1
    else:
        r = H(b"\x01", r, s)
    fn >>= 1; sn >>= 1
body = p["checkpoint"].split("\n\n")[0].split("\n")
assert sn == 0 and int(body[1]) == p["tree_size"]
print("root from proof :", base64.b64encode(r).decode())
print("checkpoint root :", body[2])
print("INCLUDED" if base64.b64encode(r).decode() == body[2] else "NOT INCLUDED")
