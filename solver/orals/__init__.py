"""The oral-exam timetable of the EDiMSK diploma: candidates, examiner panels and workstations on site.

An engine of its own, beside the programme engine: ``solver.orals.engine.solve``
takes an :class:`~solver.orals.model.OralInstance` and returns an
:class:`~solver.orals.model.OralSolution`; ``solver.orals.validate`` checks a
timetable independently; ``solver.orals.explain`` says why none exists.
"""
