"""Broken: the CsvDataset cell has a syntax error; only exercise 2 is lost, the other cells still run."""
REPLACES = "2_2_1.ex2"
LOST = ["2_2_1.ex2"]
MESSAGE = "SyntaxError"
class CsvDataset(Dataset)
    pass
