"""Every generated module imports with the installed runtime (Debian's python3-protobuf and
python3-grpcio): the protoc that generated them and the runtime must agree, for every service,
including ones added after this test was written."""

import importlib
import sys
import unittest
from pathlib import Path

GEN = Path(__file__).resolve().parent / "gen"
sys.path.insert(0, str(GEN))


class GeneratedModulesTest(unittest.TestCase):
    def test_every_module_imports(self):
        modules = sorted(".".join(p.relative_to(GEN).with_suffix("").parts) for p in GEN.rglob("*.py"))
        self.assertGreater(len(modules), 0, f"nothing generated in {GEN}: run make generate")
        for name in modules:
            with self.subTest(module=name):
                importlib.import_module(name)
        services = [m for m in modules if m.startswith("accessflow.") and m.endswith("_service_pb2")]
        for name in services:
            with self.subTest(service=name):
                file = sys.modules[name].DESCRIPTOR
                self.assertTrue(file.services_by_name, f"{name} describes no service")
                grpc_module = sys.modules[name + "_grpc"]
                for service in file.services_by_name:
                    self.assertTrue(hasattr(grpc_module, service + "Stub"), f"{name}_grpc has no {service}Stub")


if __name__ == "__main__":
    unittest.main()
