"""Benchmark harnesses: the load generators and measurements behind `strongroom bench`,
`strongroom products bench`, `strongroom events bench` and `strongroom bench --http`.

Tools, not domain: they sit above the composition root (strongroom.bootstrap) and may use any
package; nothing but the CLI imports them, and no test asserts on the times they report.
"""
