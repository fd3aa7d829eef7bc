"""`make load`: the load test the project runs itself (docs/performance.md, "Load run")."""
