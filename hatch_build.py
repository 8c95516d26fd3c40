"""Build hook: compiles the C reader of ISO 20022 trees (hub/codecs/iso20022/_dataform.c).

The module is optional: without a C compiler (or lxml's headers) the build goes on with a
warning and hub.codecs.iso20022.tree reads with its Python reader, which gives the same result.
The library is compiled next to its source, which serves an editable install as it is and is
packed into wheels as a build artifact (see pyproject.toml).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("hub/codecs/iso20022/_dataform.c")


def _compile(root: Path) -> Path:
    import lxml  # a build requirement: its wheels carry the libxml2 headers

    source = root / SOURCE
    target = source.with_name("_dataform" + sysconfig.get_config_var("EXT_SUFFIX"))
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    includes = [sysconfig.get_paths()["include"], *lxml.get_include()]
    command = [*compiler, "-O2", "-shared", "-fPIC", "-Wall", "-Werror",
               *(f"-I{path}" for path in includes), "-o", str(target), str(source)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return target


class DataFormBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        try:
            _compile(Path(self.root))
        except (ImportError, OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            self.app.display_warning("the C reader of ISO 20022 trees was not built; the "
                                     f"Python reader will be used ({detail.strip()[:400]})")
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
