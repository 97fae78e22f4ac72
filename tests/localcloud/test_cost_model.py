"""The calibrated cost model predicts what the meter counts for a campaign of another size."""

from __future__ import annotations

import math
import uuid

import pytest

from bench.cost_calibration import import_subscribers, send_campaign
from localcloud.cloud import EmbeddedCloud
from pricing.model import MODEL, load

RECIPIENTS = 150  # neither of the calibration sizes (100 and 300)
# How far a count may be from the prediction: exact where the code's work is fixed per email or
# per campaign; relative where it depends on how much a queue poll happens to find (event source
# mappings batch whatever is there, so the feedback's polls, invocations and reads follow the
# pace of the sends and the SES events).
EXACT = ("ses_messages", "sfn_transitions")
RELATIVE = {
    "dynamodb_write_units": 0.03,
    "dynamodb_read_units": 0.25,
    "sqs_requests": 0.35,
    "lambda_requests": 0.40,
}


@pytest.mark.skipif(not MODEL.is_file(), reason="no calibrated model: run python bench/cost_calibration.py")
def test_the_model_predicts_the_meter_for_a_campaign_of_another_size(
    cloud: EmbeddedCloud, interpreter_port: None
) -> None:
    # Given the calibrated coefficients and a list of 150 imported subscribers
    model = load(MODEL)
    sizes = {run["recipients"] for run in model["runs"]}
    assert RECIPIENTS not in sizes
    owner = str(uuid.uuid4())
    list_id, imported = import_subscribers(cloud, owner, RECIPIENTS)
    assert cloud.wait_idle(60)

    # When a campaign goes to that list
    _, usage, _ = send_campaign(cloud, owner, list_id)

    # Then each count is the model's prediction, within its stated tolerance
    def predicted(name: str) -> float:
        return float(model["per_email"].get(name, 0.0) * RECIPIENTS + model["per_campaign"].get(name, 0.0))

    for name in EXACT:
        assert usage.units.get(name, 0.0) == pytest.approx(predicted(name), abs=1e-6), name
    for name, share in RELATIVE.items():
        assert math.isclose(usage.units.get(name, 0.0), predicted(name), rel_tol=share), (name, usage.units)
    # And the import's writes are the per-subscriber coefficient's
    per_subscriber = model["per_imported_subscriber"]["dynamodb_write_units"]
    assert imported.units["dynamodb_write_units"] == pytest.approx(per_subscriber * RECIPIENTS, rel=0.02)
