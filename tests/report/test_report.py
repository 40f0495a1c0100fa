"""The review report: content on the examples, costs that add up, and the base-ref diff."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from lmi_cli.report import acknowledgements, changes, removal_script, render
from lmi_core.costs import PriceTable, UnknownPriceRegion
from lmi_core.kinds import kind_of
from lmi_core.loader import load_configs
from tests.conftest import EXAMPLES, MINIMAL, Synth


@pytest.fixture(scope="module")
def report(examples: Synth) -> str:
    return render(EXAMPLES, examples.outdir, "us-east-1")


def row(report: str, name: str) -> list[str]:
    (line,) = [line for line in report.splitlines() if line.startswith(f"| {name} |") and "$" in line]
    return [cell.strip() for cell in line.strip("|").split("|")]


def dollars(cell: str) -> float:
    return float(cell.strip("*$").replace(",", ""))


def test_models_table(report: str) -> None:
    assert (
        "| qwen25-32b-chat | realtime | 0.36.0-lmi27.0.0-cu130 | ml.g5.12xlarge x 1 | 4 x A10G (24 GiB), TP 4 | 1..3 "
        "| 10 % InputAndOutput | - |" in report
    )
    assert "| llama3-8b-trtllm | realtime | 0.33.0-tensorrtllm0.21.0-cu128 |" in report
    assert "compile by training-job, image 0.33.0-tensorrtllm0.21.0-cu128 for ml.g5.12xlarge |" in report
    assert "quantize-awq by optimization-job, image 0.32.0-lmi14.0.0-cu126 for ml.g5.12xlarge |" in report
    assert (
        "| llama31-8b-inf2 | realtime | 0.29.0-neuronx-sdk2.19.1 | ml.inf2.8xlarge x 1 | 1 x Inferentia2 (32 GiB, 2 NeuronCores), TP 2 |"
        in report
    )
    assert (
        "| smollm2-serverless | serverless | 0.36.0-cpu-full | serverless 6144 MB, max 10 concurrent | none |" in report
    )


def test_costs_add_up(report: str) -> None:
    prices = PriceTable.load("us-east-1")
    g5_12 = prices.instance_hour["ml.g5.12xlarge"]
    cells = row(report, "qwen25-32b-chat")  # autoscaling 1..3
    assert dollars(cells[1]) == pytest.approx(g5_12)
    assert dollars(cells[2]) == pytest.approx(3 * g5_12, abs=0.01)
    assert dollars(cells[3]) == pytest.approx(g5_12 * 730, abs=0.01)
    assert dollars(cells[4]) == pytest.approx(3 * g5_12 * 730, abs=0.01)
    async_cells = row(report, "llama3-8b-async")  # scale to zero
    assert dollars(async_cells[1]) == 0 and dollars(async_cells[3]) == 0
    total = row(report, "**total**")
    models = [loaded.config for loaded in load_configs([EXAMPLES]) if kind_of(loaded.config).billed_monthly]
    expected_max = sum((kind_of(m).cost(m, prices).hour_max or 0) * 730 for m in models)
    assert dollars(total[4]) == pytest.approx(expected_max, abs=0.05)


def test_region_changes_prices(examples: Synth) -> None:
    us = PriceTable.load("us-east-1")
    eu = PriceTable.load("eu-west-1")
    assert eu.instance_hour["ml.g5.2xlarge"] == pytest.approx(us.instance_hour["ml.g5.2xlarge"] * 1.12, abs=0.001)
    assert "| llama3-8b-chat |" in render(EXAMPLES, examples.outdir, "eu-west-1")
    with pytest.raises(UnknownPriceRegion, match="no prices for region xx-east-9"):
        PriceTable.load("xx-east-9")


def test_price_table_covers_every_g5_size() -> None:
    prices = PriceTable.load("us-east-1")
    for size in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"):
        assert prices.instance_hour[f"ml.g5.{size}"] > 0
    assert prices.date and "pricing" in prices.source


def test_acknowledgements_one_line_per_rule_with_reasons_in_details(report: str, examples: Synth) -> None:
    section = report.split("## cdk-nag acknowledgements", 1)[1]
    summary, details = section.split("<details>", 1)
    acks = acknowledgements(examples.outdir)
    rules = {rule.split("[")[0] for _, _, rule, _ in acks}
    rows = [line for line in summary.splitlines() if line.startswith("| `")]
    assert sorted(row.split("`")[1] for row in rows) == sorted(rules)  # one line per rule
    (kms,) = [row for row in rows if "`HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured`" in row]
    count = sum(rule == "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured" for _, _, rule, _ in acks)
    assert f"| {count} |" in kms and count > 1
    assert "local NVMe instance storage" in details and details.rstrip().endswith("</details>")
    reasons = [line for line in details.splitlines() if line.startswith("  - ")]
    assert reasons and all(len(line.rsplit(" (", 1)[0]) >= 44 for line in reasons)  # "  - " + 40


# ---------------------------------------------------------------- base-ref diff on a real git repository


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-C", str(repo), *args],
        check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    configs = tmp_path / "model_configs"
    configs.mkdir()
    scaled = MINIMAL + "autoscaling: {min: 1, max: 2, target_invocations_per_instance: 5}\n"
    (configs / "kept.yaml").write_text(MINIMAL.replace("name: m1", "name: kept"))
    (configs / "scaled.yaml").write_text(scaled.replace("name: m1", "name: scaled"))
    (configs / "tagged.yaml").write_text(MINIMAL.replace("name: m1", "name: tagged"))
    (configs / "gone.yaml").write_text(MINIMAL.replace("name: m1", "name: gone"))
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    (configs / "gone.yaml").unlink()
    (configs / "new.yaml").write_text(MINIMAL.replace("name: m1", "name: new"))
    (configs / "scaled.yaml").write_text(
        scaled.replace("name: m1", "name: scaled").replace("ml.g5.2xlarge", "ml.g5.4xlarge")
    )
    (configs / "tagged.yaml").write_text(MINIMAL.replace("name: m1", "name: tagged") + "tags: {team: x}\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "change")
    return tmp_path


def test_base_ref_diff(repo: Path) -> None:
    found = {c.name: c for c in changes(repo / "model_configs", "HEAD~1")}
    assert set(found) == {"new", "gone", "scaled", "tagged"}
    assert found["new"].status == "added" and found["gone"].status == "removed"
    assert (
        "run `aws cloudformation delete-stack --stack-name lmi-gone` in the account and region"
        in (found["gone"].consequences[0])
    )
    scaled = found["scaled"]
    assert scaled.status == "changed" and scaled.fields == ("instance.type",)
    assert scaled.values == (("instance.type", "ml.g5.2xlarge", "ml.g5.4xlarge"),)
    assert "new instances: ml.g5.2xlarge → ml.g5.4xlarge" in "\n".join(scaled.consequences)
    assert any("new EndpointConfig (immutable, replaced): blue/green rollout" in c for c in scaled.consequences)
    assert any("deploy in two steps" in c for c in scaled.consequences)
    tagged = found["tagged"]
    assert tagged.fields == ("tags.team",)
    assert tagged.consequences == ("updated in place (scaling policy, tags or state machine), no replacement",)


def test_report_cli_with_base(repo: Path, examples: Synth, tmp_path: Path) -> None:
    from lmi_cli.report.__main__ import main

    out = tmp_path / "report.md"
    shutil.copytree(examples.outdir, tmp_path / "cdk.out")
    # the examples' assembly is stale for these configs: the report says so and exits 3, and still compares
    assert main(["--configs", str(repo / "model_configs"), "--cdk-out", str(tmp_path / "cdk.out"), "--base", "HEAD~1",
                 "--output", str(out)]) == 3  # fmt: skip
    text = out.read_text()
    assert "## Changes against `HEAD~1`" in text
    prices = PriceTable.load("us-east-1")
    old, new = (730 * prices.instance_hour[t] for t in ("ml.g5.2xlarge", "ml.g5.4xlarge"))  # autoscaling 1..2
    assert (
        f"- **scaled** changed: $/month at min ${old:,.2f} → ${new:,.2f} (+${new - old:,.2f}), "
        f"at max ${2 * old:,.2f} → ${2 * new:,.2f} (+${2 * (new - old):,.2f})\n"
        "  - `instance.type`: `ml.g5.2xlarge` → `ml.g5.4xlarge`\n" in text
    )
    gone = 730 * prices.instance_hour["ml.g5.2xlarge"]
    assert f"- **removed (1)**: gone (-${gone:,.2f}/month at max)." in text
    assert "\n  aws cloudformation delete-stack --stack-name lmi-gone\n" in text
    assert f"- **added (1)**, new stacks, $/month at max: new (+${gone:,.2f})" in text
    total = 2 * (new - old)  # scaled at max; new and gone cancel out
    assert f"**Monthly cost change:** +${new - old:,.2f} at min, +${total:,.2f} at max" in text


def test_changed_models_for_the_smoke_test(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lmi_cli.report.__main__ import main

    assert main(["--configs", str(repo / "model_configs"), "--changed-models", "--base", "HEAD~1"]) == 0
    assert capsys.readouterr().out.split() == ["new", "scaled", "tagged"]  # added + changed, not removed
    assert main(["--configs", str(repo / "model_configs"), "--changed-models"]) == 0
    assert capsys.readouterr().out.split() == ["kept", "new", "scaled", "tagged"]
    # an async model is left out: its answer lands in the team's async.output, which the deploy role cannot read
    (repo / "model_configs" / "queued.yaml").write_text(
        (EXAMPLES / "llama3-8b-async.yaml").read_text().replace("name: llama3-8b-async", "name: queued")
    )
    assert main(["--configs", str(repo / "model_configs"), "--changed-models"]) == 0
    assert capsys.readouterr().out.split() == ["kept", "new", "scaled", "tagged"]


def test_a_base_without_the_config_directory_has_no_models(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A team's first PR after setting `model_configs`: the base has no such directory, so every model is added."""
    from lmi_cli.report.__main__ import main

    team = repo / "team"
    team.mkdir()
    (team / "a.yaml").write_text(MINIMAL.replace("name: m1", "name: a"))
    (team / "b.yaml").write_text(MINIMAL.replace("name: m1", "name: b"))
    assert [(c.name, c.status) for c in changes(team, "HEAD")] == [("a", "added"), ("b", "added")]
    assert main(["--configs", str(team), "--changed-models", "--base", "HEAD"]) == 0
    assert capsys.readouterr().out.split() == ["a", "b"]


def test_a_base_file_the_loader_refuses_was_never_deployed(repo: Path) -> None:
    """The base's files are read with the loader's limits: a deeply nested one (PyYAML recursed until it failed)
    or an alias bomb is no model, not a traceback."""
    configs = repo / "model_configs"
    (configs / "deep.yaml").write_text("[" * 5000 + "]" * 5000 + "\n")
    (configs / "bomb.yaml").write_text(
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
            for i in range(9)
        )
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "files no loader reads")
    (configs / "deep.yaml").unlink()
    (configs / "bomb.yaml").unlink()
    assert [c.name for c in changes(configs, "HEAD")] == []


def test_config_file_names_with_spaces_and_non_ascii_letters(repo: Path) -> None:
    """git quotes such names (`"mod\\303\\250le.yaml"`) and a space splits a listing: read with -z, each is
    compared by content, so an edit is a change and a deleted file a removal."""
    configs = repo / "model_configs"
    (configs / "my model.yaml").write_text(MINIMAL.replace("name: m1", "name: spaced"))
    (configs / "modèle.yaml").write_text(MINIMAL.replace("name: m1", "name: accented"))
    (configs / "supprimé.yaml").write_text(MINIMAL.replace("name: m1", "name: deleted"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "names git quotes")
    (configs / "my model.yaml").write_text(MINIMAL.replace("name: m1", "name: spaced") + "tags: {team: x}\n")
    (configs / "modèle.yaml").write_text(MINIMAL.replace("name: m1", "name: accented").replace("count: 1", "count: 2"))
    (configs / "supprimé.yaml").unlink()
    found = {c.name: c for c in changes(configs, "HEAD")}
    assert set(found) == {"spaced", "accented", "deleted"}
    assert found["spaced"].status == "changed" and found["spaced"].fields == ("tags.team",)
    assert found["accented"].status == "changed" and found["accented"].fields == ("instance.count",)
    assert found["deleted"].status == "removed"


@pytest.mark.parametrize("base", ["origin/mian", "--output=x", "HEAD~9"])
def test_a_base_git_does_not_know_is_a_one_line_error(
    repo: Path, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from lmi_cli.report.__main__ import main

    assert main(["--configs", str(repo / "model_configs"), "--changed-models", f"--base={base}"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"--base {base}: no such commit in {repo}")
    assert not (repo / "x").exists()


def test_configs_outside_a_git_repository_are_a_one_line_error(
    tmp_path: Path, examples: Synth, capsys: pytest.CaptureFixture[str]
) -> None:
    from lmi_cli.report.__main__ import main

    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "a.yaml").write_text(MINIMAL.replace("name: m1", "name: a"))
    args = ["--configs", str(configs), "--base", "main"]
    assert main([*args, "--changed-models"]) == 1
    assert main([*args, "--cdk-out", str(examples.outdir)]) == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 2 and lines[0] == lines[1] and "Traceback" not in err
    assert lines[0].startswith(f"--base main: no git repository holds {configs} that git can read (git rev-parse in ")
    assert "not a git repository" in lines[0]


def test_a_new_file_in_a_code_directory_is_a_change_before_it_is_committed(repo: Path) -> None:
    configs = repo / "model_configs"
    (configs / "code" / "kept").mkdir(parents=True)
    (configs / "code" / "kept" / "model.py").write_text("def handle(inputs): ...\n")
    (configs / "kept.yaml").write_text(MINIMAL.replace("name: m1", "name: kept") + "code: code/kept\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "code")
    assert changes(configs, "HEAD") == []
    (configs / "code" / "kept" / "helpers 2.py").write_text("X = 1\n")  # untracked, a name git would quote
    (kept,) = changes(configs, "HEAD")
    assert kept.name == "kept" and kept.fields == ("code directory files",)


def test_synth_only_changes_deploy_nothing(repo: Path) -> None:
    configs = repo / "model_configs"
    kept = configs / "kept.yaml"
    kept.write_text(
        kept.read_text().replace('id: "s3://bucket/models/m1/"', 'id: "s3://bucket/models/m1/", parameters: 8')
    )
    found = {c.name: c for c in changes(configs, "HEAD")}
    assert found["kept"].consequences == (
        "checks only (model.parameters, code_max_mb, serving_passthrough): nothing deployed changes",
    )


def test_batch_is_not_in_the_monthly_totals(report: str) -> None:
    prices = PriceTable.load("us-east-1")
    models = [loaded.config for loaded in load_configs([EXAMPLES])]
    expected = sum((kind_of(m).cost(m, prices).hour_max or 0) * 730 for m in models if kind_of(m).billed_monthly)
    assert dollars(row(report, "**total**")[4]) == pytest.approx(expected, abs=0.05)
    assert "batch models not included" in report


def test_stale_cloud_assembly_is_flagged(examples: Synth, tmp_path: Path) -> None:
    from lmi_cli.report.__main__ import main

    assert "> **Stale:**" not in render(EXAMPLES, examples.outdir, "us-east-1")
    configs = tmp_path / "configs"
    shutil.copytree(EXAMPLES, configs)
    (configs / "qwen25-7b-batch.yaml").unlink()
    text = render(configs, examples.outdir, "us-east-1")
    assert "> **Stale:** " in text and "template lmi-qwen25-7b-batch has no config" in text
    # same names, other content: only the recorded digests can tell
    qwen = configs / "qwen25-32b-chat.yaml"
    qwen.write_text(qwen.read_text() + "# a comment is a change too\n")
    formatter = configs / "code" / "chat-formatter" / "model.py"  # llama3-8b-chat's code: directory
    formatter.write_text(formatter.read_text() + "\n# changed\n")
    text = render(configs, examples.outdir, "us-east-1")
    changed = text.split("changed since the synth: ", 1)[1].split(";")[0].split(")")[0]
    assert changed == "llama3-8b-chat.yaml, qwen25-32b-chat.yaml"
    assert f"Run `make synth DIR={configs}` again" in text
    assert main(["--configs", str(configs), "--cdk-out", str(examples.outdir), "--output", str(tmp_path / "r.md")]) == 3


def test_a_selected_synth_is_not_stale_and_says_what_it_holds(tmp_path: Path) -> None:
    """`make synth MODEL=llama3-8b-ic`: the report names the models built (with the endpoint the component
    needs) and flags the others neither missing nor stale; a selected model's change is still caught."""
    from tests.conftest import synth

    configs = tmp_path / "configs"
    shutil.copytree(EXAMPLES, configs)
    outdir = synth(configs, tmp_path / "out", models="llama3-8b-ic").outdir
    text = render(configs, outdir, "us-east-1")
    assert "> **Stale:**" not in text
    assert f"> **Selected:** `{outdir}` holds 2 of the {len(load_configs([configs]))} models (`-c models=`): " in text
    assert "`llama3-8b-ic`, `pool-g5-48xl`. Templates" in text
    chat = configs / "llama3-8b-chat.yaml"  # not selected: its change is not this assembly's business
    chat.write_text(chat.read_text() + "# changed\n")
    assert "> **Stale:**" not in render(configs, outdir, "us-east-1")
    component = configs / "llama3-8b-ic.yaml"
    component.write_text(component.read_text() + "# changed\n")
    assert "changed since the synth: llama3-8b-ic.yaml" in render(configs, outdir, "us-east-1")


def test_components_grouped_under_their_endpoint(report: str) -> None:
    section = report.split("## Inference component endpoints", 1)[1].split("## cdk-nag", 1)[0]
    assert "### pool-g5-48xl: ml.g5.48xlarge, 0..4 instances, routing least-outstanding-requests" in section
    g5_48 = PriceTable.load("us-east-1").instance_hour["ml.g5.48xlarge"]
    assert f"Instances cost $0.00/hour at min and ${4 * g5_48:,.2f}/hour at max. **scales to zero**" in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "ic |" in line]
    assert [row.split("|")[1].strip() for row in rows] == ["bge-large-embed-ic", "llama3-8b-ic", "qwen25-32b-awq-ic"]
    assert (
        "| llama3-8b-ic | 1, 0..6 | 1 GPU(s), 32768 MB, 8 CPUs | 4 concurrent requests/copy | llama3-8b-sql, "
        "llama3-8b-support | yes |" in section
    )
    assert (  # the summary names components: escaped as text (`\[` shows `[`)
        "Worst case (every component at copies.max): 2 x ml.g5.48xlarge: GPUs 14/16, memory 320/1536 GiB; "
        r"\[8 GPUs: qwen25-32b-awq-ic x2, llama3-8b-ic x4\] \[6 GPUs: llama3-8b-ic x2, bge-large-embed-ic x4\]; fits in 4."
        in section
    )
    pool = row(report, "pool-g5-48xl")
    assert dollars(pool[1]) == 0 and dollars(pool[2]) == pytest.approx(4 * g5_48, abs=0.01)
    assert dollars(row(report, "llama3-8b-ic")[2]) == 0  # priced on its endpoint


def test_consequences_of_endpoint_and_component_changes() -> None:
    from lmi_cli.report import consequences

    pool = {"name": "pool", "kind": "endpoint", "routing": "random", "scaling": {"min": 0, "max": 2}}
    rerouted = {**pool, "routing": "least-outstanding-requests"}
    replaced, interrupted = consequences(pool, rerouted, ["routing"], code_changed=False)
    assert replaced.startswith("new EndpointConfig (immutable, replaced): new instances")
    assert interrupted.startswith("interrupts: every component's copies stop and start again on the new instances")
    chat = {"name": "chat", "kind": "component", "copies": {"max": 2}}
    assert consequences(chat, {**chat, "copies": {"max": 4}}, ["copies.max"], code_changed=False) == [
        "updated in place (scaling policy, tags or state machine), no replacement"
    ]


def test_a_component_moved_to_another_endpoint_is_said_to_be_a_risky_update() -> None:
    """The component's stack keeps its InferenceComponent; only its EndpointName changes (no create-only property)."""
    from lmi_cli.report import consequences

    chat = {"name": "chat", "kind": "component", "endpoint": "pool-a", "copies": {"max": 2}}
    (said,) = consequences(chat, {**chat, "endpoint": "pool-b"}, ["endpoint"], code_changed=False)
    assert said.startswith("moves the component to endpoint pool-b: CloudFormation updates a component's ")
    assert "UpdateInferenceComponent takes no endpoint name" in said


def test_an_aot_model_on_a_new_instance_type_gets_a_new_job() -> None:
    """The job prepares the model for instance.type unless aot.instance_type names another target."""
    from lmi_cli.report import consequences

    inf2 = {"name": "n", "kind": "realtime", "aot": {"mode": ["compile"]}, "instance": {"type": "ml.inf2.xlarge"}}
    moved = {**inf2, "instance": {"type": "ml.inf2.8xlarge"}}
    said = consequences(inf2, moved, ["instance.type"], code_changed=False)
    assert "new AOT job (new content hash): the deploy waits for it to finish before the new Model" in said
    assert (
        "replaces the Model (it reads the new AOT job's output; every Model property but Tags needs replacement)"
        in said
    )
    pinned = {**inf2, "aot": {"mode": ["compile"], "instance_type": "ml.inf2.xlarge"}}
    said = consequences(pinned, {**pinned, "instance": {"type": "ml.inf2.8xlarge"}}, ["instance.type"], False)
    assert not any("AOT" in line for line in said)
    more = {**inf2, "instance": {"type": "ml.inf2.xlarge", "count": 2}}
    assert not any("AOT" in line for line in consequences(inf2, more, ["instance.count"], code_changed=False))


def test_a_base_instance_type_in_a_consequence_is_text() -> None:
    """The base's YAML is read raw (never validated): its values reach the consequences as text too."""
    from lmi_cli.report import consequences
    from lmi_cli.report.markdown import ZERO_WIDTH_SPACE

    old = {"name": "n", "kind": "realtime", "instance": {"type": "@acme/sec [x](https://e.vil)"}}
    said = "\n".join(consequences(old, {**old, "instance": {"type": "ml.g5.2xlarge"}}, ["instance.type"], False))
    assert (
        f"new instances: @{ZERO_WIDTH_SPACE}acme/sec \\[x\\](https:{ZERO_WIDTH_SPACE}//e.vil) → ml.g5.2xlarge" in said
    )


# ---------------------------------------------------------------- prices


def test_every_catalog_instance_has_a_dated_price_marked_verified_or_estimate() -> None:
    from lmi_core.costs import STATUSES
    from lmi_core.facts.instances import INSTANCES

    prices = PriceTable.load("us-east-1")
    assert set(prices.instances) == set(INSTANCES)
    for name, price in prices.instances.items():
        assert price.status in STATUSES, name
        if price.usd_hour is None:  # no figure was found: says why, and never passes for a price
            assert price.status == "unpriced" and len(price.basis) > 20, name
        else:
            assert price.status in ("verified", "estimate") and price.date and price.date[:4].isdigit(), name
            assert price.usd_hour > 0 and price.confidence in ("high", "medium", "low"), name
    assert prices.instances["ml.g6e.2xlarge"].usd_hour is not None  # the issue's $0.00 total
    assert prices.instances["ml.g6e.2xlarge"].describe().startswith("$2.803/h, estimate (high confidence), 2026-")


def test_an_unpriced_instance_is_never_counted_as_free(config_dir: Callable[[dict[str, str]], Path]) -> None:
    from lmi_cli.report import cost_table

    prices = PriceTable.load("us-east-1")
    unpriced = next(name for name, p in prices.instances.items() if p.usd_hour is None)
    configs = config_dir(
        {"a.yaml": MINIMAL.replace("name: m1", "name: a"), "b.yaml": MINIMAL.replace("name: m1", "name: b")}
    )
    models = [loaded.config for loaded in load_configs([configs])]
    models[1] = models[1].model_copy(update={"instance": models[1].instance.model_copy(update={"type": unpriced})})
    rows, _, total_max = cost_table(models, prices)
    assert f"| b | n/a | n/a | n/a | n/a | no price for {unpriced}: " in "\n".join(rows)
    assert "**leaves out 1 model(s) without a price: b**" in rows[-1]
    assert total_max == pytest.approx(730 * prices.instance_hour["ml.g5.2xlarge"])


# ---------------------------------------------------------------- the deploy region


def bound_to(outdir: Path, copy: Path, region: str) -> Path:
    """The examples' assembly as a synth with `stage_targets: {dev: {region: ...}}` writes it: every stack's
    environment names the region (templates and records unchanged)."""
    shutil.copytree(outdir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    for artifact in manifest["artifacts"].values():
        if artifact.get("type") == "aws:cloudformation:stack":
            artifact["environment"] = f"aws://111122223333/{region}"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


def test_report_speaks_of_the_region_the_stacks_deploy_to(examples: Synth, tmp_path: Path) -> None:
    eu = render(EXAMPLES, bound_to(examples.outdir, tmp_path / "eu", "eu-west-1"))
    assert ", region eu-west-1 (the stacks' region)." in eu and "## Cost (eu-west-1, on-demand)" in eu
    g5 = PriceTable.load("eu-west-1").instance_hour["ml.g5.12xlarge"]
    assert dollars(row(eu, "qwen25-32b-chat")[1]) == pytest.approx(g5, abs=0.005)
    sydney = render(EXAMPLES, bound_to(examples.outdir, tmp_path / "au", "ap-southeast-2"))
    assert ", region ap-southeast-2 (the stacks' region; no price table for it: priced as us-east-1)." in sydney
    assert "## Cost (us-east-1, on-demand)" in sydney
    agnostic = render(EXAMPLES, examples.outdir)  # the examples name no account or region
    assert ", region us-east-1 (the stacks name no region)." in agnostic
    given = render(EXAMPLES, tmp_path / "eu", "us-west-2")
    assert ", region us-west-2 (--region; the stacks deploy to eu-west-1)." in given
    assert "## Cost (us-west-2, on-demand)" in given


# ---------------------------------------------------------------- config values are text, never Markdown

HOSTILE = "X|@acme/sec ![p](https://e.vil/t) [l](https://e.vil) <img src=x> &#64;o `c` \\| "


def test_markdown_text_escapes_what_markdown_would_read() -> None:
    from lmi_cli.report.markdown import ZERO_WIDTH_SPACE, code, text

    escaped = text(HOSTILE + "\n# heading\r\n")
    assert "\n" not in escaped and "\r" not in escaped
    assert escaped == (
        f"X\\|@{ZERO_WIDTH_SPACE}acme/sec !\\[p\\](https:{ZERO_WIDTH_SPACE}//e.vil/t) "
        f"\\[l\\](https:{ZERO_WIDTH_SPACE}//e.vil) \\<img src=x> "
        f"\\&#64;o \\`c\\` \\\\\\|  # heading "
    )
    bare = text("see www.e.vil or HTTP://e.vil, _www.e.vil; keep s3://b/www.k/, a.www.b")  # GitHub links 3
    z = ZERO_WIDTH_SPACE
    assert bare == f"see www{z}.e.vil or HTTP:{z}//e.vil, _www{z}.e.vil; keep s3://b/www.k/, a.www.b"
    assert code("a`b``c") == "```a`b``c```" and code("`x") == "`` `x ``" and code("a\nb") == "`a b`"


def test_hostile_accelerator_model_stays_in_its_cell(tmp_path: Path) -> None:
    from lmi_cli.report import models_table
    from lmi_cli.report.markdown import ZERO_WIDTH_SPACE

    config = tmp_path / "outside.yaml"
    config.write_text(
        MINIMAL.replace("instance: {type: ml.g5.2xlarge, count: 1}", "")
        + "instance:\n  type: ml.g7e.2xlarge\n  count: 1\n  nvme: false\n"
        + '  accelerators: {count: 1, memory_gib: 96, model: "X|@acme/sec ![p](https://e.vil/t)"}\n'
    )
    (loaded,) = load_configs([config])
    header, _, line = models_table([loaded.config])
    cells = re.split(r"(?<!\\)\|", line)[1:-1]
    assert len(cells) == len(header.split("|")) - 2  # the row keeps its 8 cells
    assert "![" not in line and "](https" not in line.replace("\\](https", "")
    assert "@acme" not in line and f"@{ZERO_WIDTH_SPACE}acme" in line
    assert "1 x X\\|@\u200bacme/sec !\\[p\\](https:\u200b//e.vil/t) (96 GiB)" in line


def test_a_hostile_value_in_a_change_stays_in_its_code_span(repo: Path) -> None:
    """In a code span nothing is a link, an image, HTML or a mention; the fence outgrows the value's backticks
    and a newline (which could start a heading or end the list) becomes a space."""
    from lmi_cli.report import change_lines

    configs = repo / "model_configs"
    value = "`x` @acme/sec ![p](https://e.vil/t)\n# h"
    (configs / "kept.yaml").write_text(
        MINIMAL.replace("name: m1", "name: kept") + f"tags: {{team: {json.dumps(value)}}}\n"
    )
    (changed,) = [c for c in changes(configs, "HEAD") if c.name == "kept"]
    tag_lines = [line for line in change_lines([changed]) if "tags.team" in line]
    assert tag_lines == ["  - `tags.team`: `(unset)` → `` `x` @acme/sec ![p](https://e.vil/t) # h ``"]


def test_config_text_in_nag_reasons_and_the_stale_banner_mentions_and_links_nothing(tmp_path: Path) -> None:
    """The model's S3 prefix reaches a cdk-nag reason, a config's file name the Stale banner: both are text."""
    from lmi_cli.report.markdown import ZERO_WIDTH_SPACE
    from tests.conftest import synth

    configs = tmp_path / "configs"
    configs.mkdir()
    hostile = configs / "@acme-sec [x](https:e.vil).yaml"
    prefix = "acme-models/@acme/team/(www.e.vil)/a@b.co/"
    hostile.write_text(MINIMAL.replace("s3://bucket/models/m1/", f"s3://{prefix}"))
    outdir = synth(configs, tmp_path / "out").outdir
    hostile.write_text(hostile.read_text() + "# changed since the synth\n")
    text = render(configs, outdir, "us-east-1")
    z = ZERO_WIDTH_SPACE
    assert "> **Stale:**" in text and f"changed since the synth: @{z}acme-sec \\[x\\](https:e.vil).yaml" in text
    assert f"Read-only on the model's own prefix acme-models/@{z}acme/team/(www{z}.e.vil)/a@{z}b.co/" in text
    for raw in ("@acme", "(www.e.vil", "a@b.co", "[x]("):  # a mention, a link, an e-mail link, a Markdown link
        assert raw not in text, raw
    assert "/aws/sagemaker/Endpoints/\\<model>" in text and not re.search(r"(?<!\\)<model>", text)  # no HTML tag


def test_a_model_named_like_a_word_leaves_that_word_in_the_reasons(tmp_path: Path) -> None:
    from tests.conftest import synth

    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "key.yaml").write_text(MINIMAL.replace("name: m1", "name: key").replace("/models/m1/", "/models/key/"))
    reasons = {reason for _, _, _, reason in acknowledgements(synth(configs, tmp_path / "out").outdir)}
    assert any(reason.endswith("no volume for a customer-managed key.") for reason in reasons)
    assert any("/aws/sagemaker/Endpoints/<model>." in reason for reason in reasons)
    assert any("own prefix bucket/models/<model>/," in reason for reason in reasons)


def test_adding_or_removing_aot_replaces_the_model_and_rolls_out() -> None:
    """The Model reads the job's output prefix (or model.id again): a new Model, a new EndpointConfig, a rollout."""
    from lmi_cli.report import consequences

    plain = {"name": "n", "kind": "realtime", "instance": {"type": "ml.inf2.xlarge"}}
    prepared = {**plain, "aot": {"mode": ["compile"]}}
    added = consequences(plain, prepared, ["aot.mode"], code_changed=False)
    assert added[:3] == [
        "adds the AOT job: the deploy waits for it to finish before the new Model",
        "replaces the Model (it reads the new AOT job's output; every Model property but Tags needs replacement)",
        "new EndpointConfig (immutable, replaced): blue/green rollout with auto-rollback",
    ]
    assert added[3].startswith("interrupts: no downtime when the new fleet turns healthy")
    removed = consequences(prepared, plain, ["aot.mode"], code_changed=False)
    assert removed[:3] == [
        "removes the AOT job's custom resource once the rollout is done (its prepared artifacts stay in S3)",
        "replaces the Model (it loads model.id unprepared again, not the AOT job's output; every Model property but "
        "Tags needs replacement)",
        "new EndpointConfig (immutable, replaced): blue/green rollout with auto-rollback",
    ]
    assert not any("new AOT job" in line or "waits for it" in line for line in removed)
    component = {"name": "c", "kind": "component", "endpoint": "pool"}
    said = consequences(component, {**component, "aot": {"mode": ["compile"]}}, ["aot.mode"], code_changed=False)
    assert "updates the InferenceComponent in place: a rolling update of its copies, rolled back on alarms" in said
    assert not any("EndpointConfig" in line for line in said)  # the component's endpoint keeps its config


def test_a_kind_change_keeps_the_endpoint_and_says_the_safe_route() -> None:
    """Between kinds with an endpoint the stack, the Endpoint's logical id and its EndpointName stay; only the
    EndpointConfig is replaced (test_template_diff checks that on a synth)."""
    from lmi_cli.report import consequences

    realtime = {"name": "chat", "kind": "realtime", "instance": {"type": "ml.g5.2xlarge"}}
    for kind in ("async", "serverless", "endpoint"):
        verdict, route = consequences(realtime, {**realtime, "kind": kind}, ["kind"], code_changed=False)
        assert verdict.startswith(
            f"kind realtime → {kind}: the stack and its Endpoint chat stay; the EndpointConfig is"
        )
        assert "UpdateEndpoint" in verdict and "unverified" in verdict
        assert "deleted and created again" not in verdict
        assert route.startswith("safe route: deploy the new kind under a new name (a new stack and endpoint)")
        assert "remove the model and add it back with the new kind in two deploys" in route
    component = {"name": "chat", "kind": "component", "endpoint": "pool"}
    verdict, _ = consequences(component, realtime, ["kind", "endpoint"], code_changed=False)
    assert verdict.startswith("kind component → realtime: the stack stays; a new Endpoint chat is created")
    verdict, _ = consequences(realtime, component, ["kind", "endpoint"], code_changed=False)
    assert verdict.startswith("kind realtime → component: the stack stays; its Endpoint chat is deleted")
    verdict, _ = consequences(component, {**realtime, "kind": "batch"}, ["kind"], code_changed=False)
    assert verdict.startswith("kind component → batch: the stack stays; the old kind's resources are removed")


def test_component_resources_startup_and_adapters_each_get_a_line() -> None:
    from lmi_cli.report import consequences

    chat = yaml.safe_load((EXAMPLES / "llama3-8b-ic.yaml").read_text())
    del chat["serving"]["option.tensor_parallel_degree"]  # implied by resources.accelerators
    adapters = chat["adapters"]
    specification = (
        "updates the InferenceComponent's Specification in place (resources or startup): a rolling update of its "
        "copies, rolled back on alarms"
    )
    more_memory = {**chat, "resources": {**chat["resources"], "memory_mb": 65536}}
    assert consequences(chat, more_memory, ["resources.memory_mb"], code_changed=False) == [specification]
    slower = {**chat, "startup": {"health_check_timeout": 1800}}
    assert consequences(chat, slower, ["startup.health_check_timeout"], code_changed=False) == [specification]
    more_gpus = {**chat, "resources": {**chat["resources"], "accelerators": 2}}
    said = consequences(chat, more_gpus, ["resources.accelerators"], code_changed=False)
    assert said[0].startswith(
        "replaces the Model (serving.properties follows resources: and adapters: option.tensor_parallel_degree 1 → 2;"
    )
    assert said[1] == "updates the InferenceComponent in place: a rolling update of its copies, rolled back on alarms"
    as_many_as_there_are = {**chat, "serving": {**chat["serving"], "option.tensor_parallel_degree": "max"}}
    more = {**as_many_as_there_are, "resources": {**chat["resources"], "accelerators": 2}}
    assert consequences(as_many_as_there_are, more, ["resources.accelerators"], code_changed=False) == [specification]

    line = "adapters, each its own InferenceComponent on the base's copies: "
    sql, support = adapters
    renamed = {**chat, "adapters": [{**sql, "name": "llama3-8b-sql2"}, support]}
    assert consequences(chat, renamed, ["adapters"], code_changed=False) == [
        f"{line}adds llama3-8b-sql2; removes llama3-8b-sql"
    ]
    new_artifact = {**chat, "adapters": [{**sql, "artifact": "s3://my-adapters/llama3-8b/sql-v2.tar.gz"}, support]}
    assert consequences(chat, new_artifact, ["adapters"], code_changed=False) == [
        f"{line}updates in place (new artifact) llama3-8b-sql"
    ]
    one_fewer = {**chat, "adapters": [support]}
    assert consequences(chat, one_fewer, ["adapters"], code_changed=False) == [
        "replaces the Model (serving.properties follows resources: and adapters: option.max_loras 2 → 1; every "
        "Model property but Tags needs replacement)",
        "updates the InferenceComponent in place: a rolling update of its copies, rolled back on alarms",
        f"{line}removes llama3-8b-sql",
    ]
    none = consequences(chat, {**chat, "adapters": []}, ["adapters"], code_changed=False)
    assert none[0].startswith(
        "replaces the Model (serving.properties follows resources: and adapters: option.enable_lora true → unset"
    )
    pinned = {**chat, "serving": {**chat["serving"], "option.max_loras": 4}}  # set in serving: the Model stays
    assert consequences(pinned, {**pinned, "adapters": [support]}, ["adapters"], code_changed=False) == [
        f"{line}removes llama3-8b-sql"
    ]


def test_a_removed_endpoint_is_deleted_after_its_removed_components() -> None:
    """A component's stack imports its endpoint's guard export: CloudFormation refuses the endpoint's delete
    until the component's has completed, so the script waits for it, and stops if a delete failed."""
    assert removal_script(["lmi-pool", "lmi-a", "lmi-c1"], [True, False, False], " --region eu-west-1") == [
        "  aws cloudformation delete-stack --stack-name lmi-a --region eu-west-1",
        "  aws cloudformation delete-stack --stack-name lmi-c1 --region eu-west-1",
        "  aws cloudformation wait stack-delete-complete --stack-name lmi-a --region eu-west-1 && "
        "aws cloudformation wait stack-delete-complete --stack-name lmi-c1 --region eu-west-1 && "
        "aws cloudformation delete-stack --stack-name lmi-pool --region eu-west-1",
    ]
    assert removal_script(["lmi-pool"], [True], "") == ["  aws cloudformation delete-stack --stack-name lmi-pool"]
    assert removal_script(["lmi-a"], [False], "") == ["  aws cloudformation delete-stack --stack-name lmi-a"]


def test_removed_endpoints_come_after_the_other_removed_models(tmp_path: Path) -> None:
    configs = tmp_path / "model_configs"
    configs.mkdir()
    pool = (EXAMPLES / "pool-g5-48xl.yaml").read_text()
    (configs / "a-pool.yaml").write_text(pool.replace("name: pool-g5-48xl", "name: a-pool"))
    (configs / "z.yaml").write_text(MINIMAL.replace("name: m1", "name: z"))
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    for path in configs.iterdir():
        path.unlink()
    (configs / "other.yaml").write_text(MINIMAL.replace("name: m1", "name: other"))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "remove both")
    removed = [c for c in changes(configs, "HEAD~1") if c.status == "removed"]
    assert [(c.name, c.hosts_others) for c in removed] == [("z", False), ("a-pool", True)]
