"""What each command shows, built as a report (``viz.report``): ``check``, ``explain``
(the paths, δ and matrix forms, and where a local derivative comes from), ``run``
and ``train``.  Builders only: writers format, commands parse arguments."""
