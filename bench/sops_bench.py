"""Time to decrypt N Secrets: kustguard-sops versus `sops decrypt`.

    python bench/sops_bench.py [--count 1000]

Generates a throwaway age key, encrypts N small Secret manifests with the
real sops binary (`--encrypted-regex '^(data|stringData)$'`), then measures,
on the same machine in the same run:

  plugin      one kustguard-sops process decrypting all N (one generator
              config listing every file), the way kustomize calls it
  library     the Python decrypt path alone, in this process
  sops -d     N `sops decrypt` processes, the way a shell loop or a
              per-file tool would call it

The key and files live in a temporary folder that is deleted afterwards.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyrage

BIN = Path(sys.executable).parent


def _secret(index: int) -> bytes:
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-{index}\ntype: Opaque\n"
            f"stringData:\n  username: user-{index}\n  password: pw-{index}-{os.urandom(8).hex()}\n"
            ).encode()


def prepare(folder: Path, count: int) -> dict[str, str]:
    identity = pyrage.x25519.Identity.generate()
    key_file = folder / "bench.agekey"
    key_file.write_text(f"{identity}\n")
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(folder),
           "SOPS_AGE_KEY_FILE": str(key_file)}

    def encrypt(index: int) -> None:
        done = subprocess.run(
            [str(BIN / "sops"), "encrypt", "--age", str(identity.to_public()),
             "--encrypted-regex", "^(data|stringData)$", "--filename-override",
             f"s{index}.yaml", "/dev/stdin"],
            input=_secret(index), capture_output=True, check=True, env=env, cwd=folder)
        (folder / f"s{index}.enc.yaml").write_bytes(done.stdout)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(encrypt, range(count)))
    files = "\n".join(f"  - s{i}.enc.yaml" for i in range(count))
    (folder / "generator.yaml").write_text(
        "apiVersion: kustguard.io/v1\nkind: SopsSecretGenerator\nmetadata:\n  name: bench\n"
        f"files:\n{files}\n")
    return env


def run(count: int) -> dict[str, float]:
    from kustguard.sops import decrypt, keys

    with tempfile.TemporaryDirectory(prefix="sops-bench-") as tmp:
        folder = Path(tmp)
        env = prepare(folder, count)

        start = time.perf_counter()
        done = subprocess.run([str(BIN / "kustguard-sops"), str(folder / "generator.yaml")],
                              cwd=folder, env=env, capture_output=True, check=False)
        plugin = time.perf_counter() - start
        if done.returncode != 0 or done.stdout.count(b"kind: Secret") != count:
            raise SystemExit("the plugin run failed: " + done.stderr.decode())

        start = time.perf_counter()
        ring = keys.load_keyring(env)
        for i in range(count):
            decrypt.decrypt_file(folder / f"s{i}.enc.yaml", f"s{i}.enc.yaml", ring).plaintext()
        library = time.perf_counter() - start

        start = time.perf_counter()
        for i in range(count):
            subprocess.run([str(BIN / "sops"), "decrypt", str(folder / f"s{i}.enc.yaml")],
                           env=env, capture_output=True, check=True)
        sops = time.perf_counter() - start
    return {"plugin": plugin, "library": library, "sops": sops}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    result = run(args.count)
    n = args.count
    print(f"{n} secrets, same machine, same run:")
    print(f"  kustguard-sops (one process)  {result['plugin']:7.2f} s  "
          f"{result['plugin'] / n * 1000:6.2f} ms/secret")
    print(f"  Python decrypt path (library) {result['library']:7.2f} s  "
          f"{result['library'] / n * 1000:6.2f} ms/secret")
    print(f"  sops decrypt (one per file)   {result['sops']:7.2f} s  "
          f"{result['sops'] / n * 1000:6.2f} ms/secret")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
