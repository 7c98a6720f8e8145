"""The learner's workspace: filled from release/, never overwritten."""

from __future__ import annotations

from course.authoring import workspace


def make_release(root, text="v1"):
    (root / "01-sharding").mkdir(parents=True, exist_ok=True)
    (root / "01-sharding" / "sharding.ipynb").write_text(text)


def test_first_sync_copies_every_notebook(tmp_path):
    release, mine = tmp_path / "release", tmp_path / "workspace"
    make_release(release)
    report = workspace.sync(release, mine)
    assert report["added"] == ["01-sharding/sharding.ipynb"]
    assert (mine / "01-sharding" / "sharding.ipynb").read_text() == "v1"


def test_a_learners_work_is_never_overwritten_and_updates_are_announced(tmp_path, capsys):
    release, mine = tmp_path / "release", tmp_path / "workspace"
    make_release(release)
    workspace.sync(release, mine)
    (mine / "01-sharding" / "sharding.ipynb").write_text("my answers")
    make_release(release, "v2")  # the course updates the notebook
    (release / "02-replication").mkdir()
    (release / "02-replication" / "replication.ipynb").write_text("new chapter")
    report = workspace.sync(release, mine, verbose=True)
    assert (mine / "01-sharding" / "sharding.ipynb").read_text() == "my answers"
    assert report["kept"] == ["01-sharding/sharding.ipynb"]
    assert report["added"] == ["02-replication/replication.ipynb"]
    assert "your workspace copy is kept" in capsys.readouterr().out


def test_untouched_copies_are_left_alone_too(tmp_path):
    release, mine = tmp_path / "release", tmp_path / "workspace"
    make_release(release)
    workspace.sync(release, mine)
    report = workspace.sync(release, mine)
    assert report == {"added": [], "updated": [], "kept": [], "unchanged": ["01-sharding/sharding.ipynb"]}


def test_a_copy_the_learner_never_changed_takes_the_update(tmp_path):
    release, mine = tmp_path / "release", tmp_path / "workspace"
    make_release(release)
    workspace.sync(release, mine)
    make_release(release, "v2")
    report = workspace.sync(release, mine)
    assert report["updated"] == ["01-sharding/sharding.ipynb"]
    assert (mine / "01-sharding" / "sharding.ipynb").read_text() == "v2"


def test_jupyterlab_stays_on_loopback_and_does_not_call_home(tmp_path):
    command = " ".join(workspace.lab_command(tmp_path))
    for flag in ("--ServerApp.ip=127.0.0.1", "--LabApp.extension_manager=readonly",
                 "NeverCheckForUpdate", "--LabApp.news_url=None", f"root_dir={tmp_path}"):
        assert flag in command


def test_jupyterlab_reads_the_course_settings_that_turn_off_the_news_prompt():
    settings = workspace.LAB_SETTINGS / "overrides.json"
    assert settings.is_file(), f"{settings} is missing: JupyterLab would ask about news"
    assert f"--LabApp.app_settings_dir={workspace.LAB_SETTINGS}" in workspace.lab_command()
    assert "news" in settings.read_text().lower()
