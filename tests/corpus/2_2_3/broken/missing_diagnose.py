"""Broken: the cell that should define diagnose defines something else; the message names the missing function."""
REPLACES = "2_2_3.ex4"
LOST = ["2_2_3.ex4"]
MESSAGE = "does not define `diagnose`"


def diagnosis(norms):
    return "healthy"
