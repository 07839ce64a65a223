"""MLflow's search grammar: parsing filter and order-by strings into a small typed AST.

Stores never see the strings: the SQL store compiles the AST to SQLAlchemy expressions with bound
parameters, the memory store evaluates it in Python.
"""
