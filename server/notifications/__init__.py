"""Notifications: trigger.TaskTrigger / trigger.StepTrigger CIs listed on an environment fire their
actions (trigger.EmailNotification mails through a mail.SmtpServer) when a task deploying to it, or
one of its steps, changes state (triggers.py; mail.py sends; context.py gives templates their objects)."""
