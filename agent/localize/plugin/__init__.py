"""Standalone pytest plugins that Remedy loads into the user's interpreter.

This directory goes on the test run's PYTHONPATH and the plugins are loaded by module name
(``-p remedy_coverage``); nothing here may import ``agent``. It is a package only so that the
files ship with Remedy.
"""
