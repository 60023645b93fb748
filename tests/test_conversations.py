"""Rasa's own checks of the training data and dialogue: `rasa data validate` and the
conversation tests in tests/stories/, with --fail-on-prediction-errors."""
import re
import subprocess

import pytest
import yaml

from ops.servers import RASA, ROOT, ensure_model, rasa_env

pytestmark = pytest.mark.e2e

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))
# Responses that only custom actions send: Rasa 3.6 warns that no story uses them, which
# is expected; any other warning fails the test.
ACTION_ONLY = {a for a in DOMAIN["actions"] if a.startswith("utter_")}
# Intents that only the REST channel or the widget's buttons send, never typed text.
PAYLOAD_ONLY = {"empty_message", "message_too_long"}


def test_rasa_data_validate_is_clean():
    out = subprocess.run([str(RASA), "data", "validate"], cwd=ROOT, env=rasa_env(), capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    warnings = re.findall(r"UserWarning: (.*)", out.stdout + out.stderr)
    def expected(w):
        m = re.match(r"The utterance '(\w+)' is not used in any story or rule\.", w)
        if m:
            return m.group(1) in ACTION_ONLY
        m = re.match(r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU training data\.", w)
        return bool(m) and m.group(1) in PAYLOAD_ONLY

    unexpected = [w for w in warnings if not expected(w)]
    assert unexpected == []


def test_conversation_stories_pass(tmp_path):
    model = ensure_model(quiet=True)
    out = subprocess.run([str(RASA), "test", "core", "--model", str(model), "--stories", "tests/stories",
                          "--fail-on-prediction-errors", "--out", str(tmp_path)],
                         cwd=ROOT, env=rasa_env(), capture_output=True, text=True)
    failed = (tmp_path / "failed_test_stories.yml")
    detail = failed.read_text("utf-8") if failed.exists() else ""
    assert out.returncode == 0, detail[-4000:] + out.stdout[-2000:] + out.stderr[-2000:]
