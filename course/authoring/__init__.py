"""The course author's tools.

- :mod:`~course.authoring.execute`: run a notebook headless in a temporary copy of its folder
- :mod:`~course.authoring.check`: the author's check of one chapter (``python -m course check ID``)
- :mod:`~course.authoring.release`: build ``release/`` from ``source/`` (``make release``)
- :mod:`~course.authoring.workspace`: the learner's ``workspace/`` copy and the JupyterLab command

Notebook cells are parsed by :mod:`course.cells`; nbgrader course directories and
commands belong to :mod:`course.coursedir`.
"""
