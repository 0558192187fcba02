"""The repair pipeline: reproduce -> localize -> propose -> validate -> rank.

``pipeline.repair`` is the entry the doors call; the stages are the modules beside it.
"""
