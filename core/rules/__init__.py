"""The rule language: parsing declarative rules, evaluating them, and checking satisfiability."""
