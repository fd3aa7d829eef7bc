"""One export, made in a process of its own so that its peak memory is its own: run by the exports
part of the benchmark (matrix.benchmarks.exports_part) as

    python -m matrix.benchmarks.export_child ROUND_SLUG FORMAT REPEAT OUTPUT [FIRST]

It makes the round's file REPEAT times as the export task does (render; a streamed format chunk
by chunk), writes it to OUTPUT, and prints one line of JSON: the seconds of each run, the file's
size, and the process's resident memory (kB) once Django had started and at its peak. FIRST: only
the round's first FIRST use cases, as a view of the matrix page would hold.
"""

import json
import os
import resource
import sys
import time

import django

# Django starts before the portal's modules are imported: their models need the app registry.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bold_portal.settings")
django.setup()

from matrix.exporters.registry import EXPORTERS  # noqa: E402 (after django.setup, above)
from matrix.selectors.cells import round_version_rows  # noqa: E402
from matrix.selectors.exports import MatrixExportView  # noqa: E402
from reviews.models import ReviewRound  # noqa: E402


def peak_kb() -> int:
    """This program's peak resident memory in kB. Linux's ru_maxrss survives execve, so in a child
    of a large parent it reports the parent's memory at the fork; VmHWM is this program's own."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> None:
    slug, identifier, repeat, output = argv[0], argv[1], int(argv[2]), argv[3]
    first = int(argv[4]) if len(argv) > 4 else None
    review_round = ReviewRound.objects.get(slug=slug)
    exporter = EXPORTERS[identifier]
    view = None
    if first is not None:
        ids = tuple(row["version_id"] for row in round_version_rows(review_round)[:first])
        view = MatrixExportView(query="bench", description=f"the first {first:,} use cases", version_ids=ids)
    started_kb = peak_kb()
    seconds, size = [], 0
    for _run in range(repeat):
        began = time.perf_counter()
        with open(output, "wb") as file:
            if exporter.streamed:
                size = 0
                for chunk in exporter.chunks(review_round, view):
                    file.write(chunk)
                    size += len(chunk)
            else:
                content = exporter.render(review_round, view)
                file.write(content)
                size = len(content)
                del content
        seconds.append(time.perf_counter() - began)
    print(json.dumps({"seconds": seconds, "bytes": size, "started_kb": started_kb, "peak_kb": peak_kb()}))


if __name__ == "__main__":
    main(sys.argv[1:])
