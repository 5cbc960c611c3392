import base64, hashlib, json, sys
c = json.load(open(sys.argv[1]))
H = lambda *b: hashlib.sha256(b"".join(b)).digest()
root = lambda note: base64.b64decode(note.split("\n")[2])
m, n = c["from_size"], c["to_size"]
r1, r2 = root(c["from_checkpoint"]), root(c["to_checkpoint"])
proof = [base64.b64decode(x) for x in c["consistency_proof"]]
# RFC 9162 section 2.1.4.2
if m & (m - 1) == 0:
    proof = [r1] + proof
fn, sn = m - 1, n - 1
while fn & 1:
    fn >>= 1; sn >>= 1
fr = sr = proof[0]
for x in proof[1:]:
    if fn & 1 or fn == sn:
        fr, sr = H(b"\x01", x, fr), H(b"\x01", x, sr)
        while not fn & 1 and fn:
            fn >>= 1; sn >>= 1
    else:
        sr = H(b"\x01", sr, x)
    fn >>= 1; sn >>= 1
print("CONSISTENT" if sn == 0 and fr == r1 and sr == r2 else "NOT CONSISTENT")
