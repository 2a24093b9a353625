package exchange

import "fmt"

// CheckEnvelope refuses a programme budget out of range, or below what is already committed
// and paid. Zero means "no envelope" and is refused too once money is committed or paid: the
// budget limit would silently disappear.
func CheckEnvelope(envelope, committed, paid Cents) error {
	if err := CheckAmount("envelope", envelope); err != nil {
		return err
	}
	used, err := Sum(committed, paid)
	if err != nil {
		return err
	}
	if envelope < used {
		return &RuleError{Field: "envelope", Rule: RuleEnvelopeFloor, Amount: used, Envelope: envelope,
			Reason: fmt.Sprintf("%s is already committed or paid; the budget cannot be less", used)}
	}
	return nil
}

// CheckBudget refuses a lump sum that, with what is already used (committed and paid), would
// go over the envelope, and returns what would remain. An envelope of zero means no limit.
func CheckBudget(envelope, used, lump Cents) (remaining Cents, err error) {
	if err := CheckAmount("lump_sum", lump); err != nil {
		return 0, err
	}
	if envelope == 0 {
		return 0, nil
	}
	after, err := Sum(used, lump)
	if err != nil {
		return 0, err
	}
	remaining = envelope - after
	if remaining < 0 {
		return remaining, &RuleError{Field: "budget", Rule: RuleBudget, Amount: lump, Remaining: envelope - used, Envelope: envelope,
			Reason: fmt.Sprintf("this needs %s but only %s of the programme's %s remains: %s missing",
				lump, envelope-used, envelope, -remaining)}
	}
	return remaining, nil
}
