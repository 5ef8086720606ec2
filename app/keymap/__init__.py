"""The reading window's shortcuts, free of Qt: actions and their default keys (defaults.py),
key spelling (keys.py), layered files, conflicts and reset (model.py), where the files live
(files.py). The GUI (app/windows/window_actions.py) turns them into QActions."""
